// Package conformance holds the differential conformance harness of the
// embedded cluster: its tests drive the same Mesos v1 scheduler API
// scenarios, as raw HTTP, against a real Apache Mesos 1.11 master and
// against localcluster, and fail on any difference in status codes,
// headers, event sequences or event fields that Departures does not list.
//
// Departures is the one table of the ways the embedded cluster answers
// differently from Mesos; DEPARTURES.md is rendered from it.
package conformance
