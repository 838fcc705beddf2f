package conformance

import (
	"fmt"
	"regexp"
	"strings"
)

// Departure is one known way the embedded cluster answers differently from
// Mesos 1.11: the checks it covers, what differs and why.
type Departure struct {
	// Check is a pattern over check ids ("scenario/what:json.path"); "*"
	// stands for any run of characters.
	Check string
	// What says how the answers differ.
	What string
	// Reason says why: a deliberate choice, or "not yet fixed: issue #N".
	Reason string
	// Sometimes marks a difference that only some runs show, because
	// Mesos's own answer varies from run to run: the row is not required
	// to match every time.
	Sometimes bool
}

// Matches reports whether the check id falls under the departure.
func (d Departure) Matches(id string) bool {
	parts := strings.Split(d.Check, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(id)
}

// Departures is the one table of differences the conformance test allows.
// A difference it does not list fails the test, and so does a row that no
// longer matches any difference.
var Departures = []Departure{
	{
		Check:  "subscribe-*/subscribed:subscribed.master_info.capabilities",
		What:   "Mesos's SUBSCRIBED lists the master's capabilities AGENT_UPDATE, AGENT_DRAINING and QUOTA_V2; the embedded master's lists none.",
		Reason: "Deliberate: the embedded master cannot update or drain agents and has no quota; advertising the capabilities would invite operator calls it cannot honour.",
	},
	{
		Check:  "subscribe-malformed/not-json-*/body",
		What:   "A body that is not JSON: both answer 400 \"Failed to parse body into JSON: …\", but the parser's own words after the colon differ (Mesos's picojson: \"syntax error at line 1 near: \"; Go's encoding/json: \"unexpected end of JSON input\").",
		Reason: "Deliberate: the text comes from each side's JSON parser; matching picojson's wording would mean reimplementing its error reporting for no client's benefit.",
	},
	{
		Check: "fetch/missing/TASK_FAILED:update.status.message",
		What: "A URI that cannot be fetched: both fail the task (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, from the agent), but Mesos's " +
			"message says only that the mesos-fetcher process exited (\"Failed to fetch all URIs for container '…': exited with status 1\"); " +
			"the embedded agent's names the URI and the cause (\"fetching http://…/missing: 404 Not Found\").",
		Reason: "Deliberate: the embedded agents fetch in-process and know which URI failed and why; Mesos leaves that in the sandbox's stderr. batchd adds the task's URIs to the error on real Mesos.",
	},
	{
		Check: "task-killed/after-kill/TASK_KILLED:update.status.message",
		What: "A killed `sh -c 'sleep 60'`: the embedded agent always says \"Command terminated with signal Terminated\"; Mesos's " +
			"command executor says so in most runs, and \"Command exited with status 1\" in some (it signals the shell and its " +
			"child at once, and which one's end it reports depends on which dies first).",
		Reason:    "Deliberate: Mesos's answer is a race; the embedded agent gives the more common one, every time.",
		Sometimes: true,
	},
	{
		Check: "state/operator-get_quota/*",
		What: "Operator API calls beyond the read calls GET_HEALTH, GET_VERSION, GET_STATE, GET_AGENTS, GET_FRAMEWORKS " +
			"and GET_TASKS (here GET_QUOTA): Mesos answers them; the embedded master answers 501 naming the calls it serves.",
		Reason: "Deliberate: the embedded master has no quotas, weights, maintenance or reservations to show or change; " +
			"the read calls are what the Mesos UI, mesos-dns and monitoring tools use.",
	},
	{
		Check: "launch-invalid/launch-group/update:*",
		What: "LAUNCH_GROUP: Mesos starts its default executor for the group (the test kit does not ship mesos-default-executor, so the task " +
			"then fails: TASK_FAILED, REASON_EXECUTOR_TERMINATED, from the agent); the embedded master refuses the group at once with " +
			"TASK_ERROR, REASON_TASK_GROUP_INVALID.",
		Reason: "Deliberate: the embedded agents run only the command executor; a task group cannot run there, and saying so at once beats a launch that fails.",
	},
}

// Markdown renders Departures as the table in DEPARTURES.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# How the embedded cluster differs from Mesos 1.11\n\n")
	b.WriteString("Generated from `Departures` in `departures.go` by `go test ./localcluster/conformance -run TestDeparturesDoc -update`.\n")
	b.WriteString("The differential conformance test (`TestConformance`) runs every scenario against a real Apache Mesos 1.11.1\n")
	b.WriteString("master and against the embedded cluster and fails on any difference not listed here, and on any row that no\n")
	b.WriteString("longer matches a difference (except rows marked *sometimes*: Mesos's own answer varies from run to run).\n\n")
	b.WriteString("| check | what differs | reason |\n| --- | --- | --- |\n")
	for _, d := range Departures {
		what := cell(d.What)
		if d.Sometimes {
			what = "*Sometimes.* " + what
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.Check, what, cell(d.Reason))
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
