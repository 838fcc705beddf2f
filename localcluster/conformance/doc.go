// Package conformance holds the differential conformance harness of the
// embedded cluster: its tests drive the same Mesos v1 scheduler API
// scenarios, as raw HTTP, against a real Apache Mesos 1.11 master (from
// internal/mesoskit) and against localcluster at once, record what each
// answers (status codes, media types, event sequences, event fields as
// JSON), normalise what may differ between two masters (ids, timestamps,
// uuids, hosts, ports, pids, list order) and fail on any other difference
// that Departures does not list.
//
// Departures is the one table of the ways the embedded cluster answers
// differently from Mesos; DEPARTURES.md is rendered from it. Run
//
//	go test ./localcluster/conformance -run TestConformance -v -transcripts
//
// to see every check with both answers.
package conformance
