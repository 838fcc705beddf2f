package conformance

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// transcript is what one target answered in one scenario: observations
// by check id ("scenario/what"), each a normalised JSON value.
type transcript struct {
	ids []string
	obs map[string]any
}

func newTranscript() *transcript { return &transcript{obs: map[string]any{}} }

// record stores an observation; v is normalised first.
func (tr *transcript) record(id string, v any) {
	if _, dup := tr.obs[id]; !dup {
		tr.ids = append(tr.ids, id)
	}
	tr.obs[id] = normalise("", toTree(v))
}

// toTree turns v into plain JSON values (maps, slices, strings, float64s, bools).
func toTree(v any) any {
	switch v.(type) {
	case nil, string, bool, float64, map[string]any, []any:
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<unencodable %T: %v>", v, err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return fmt.Sprintf("<undecodable %T: %v>", v, err)
	}
	return tree
}

// Placeholders for what legitimately differs between two masters.
const (
	absent = "<absent>"
	anyID  = "<id>"
)

// volatile are fields whose values differ between any two runs or
// machines; only their presence is compared.
var volatile = map[string]string{
	"timestamp": "<time>", "uuid": "<uuid>", "hostname": "<host>", "ip": "<ip>", "port": "<port>",
	"pid": "<pid>", "registered_time": "<time>", "reregistered_time": "<time>", "executor_pid": "<pid>",
}

// idFields hold {"value": ...} ids minted by the master; task and
// executor ids are chosen by the scenario and compared.
var idFields = map[string]bool{
	"id": true, "framework_id": true, "agent_id": true, "offer_id": true, "offer_ids": true,
	"container_id": true, "slave_id": true, "master_id": true, "resource_provider_id": true,
}

// normalise replaces volatile values with placeholders, drops null fields
// and sorts unordered lists; key is the field v is the value of.
func normalise(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			switch {
			case e == nil:
				// An unset field: Go's encoding of the protobuf structs
				// writes null; frame.jsonNull catches nulls on the wire.
			case volatile[k] != "":
				out[k] = volatile[k]
			case idFields[key] && k == "value", key == "master_info" && k == "id":
				out[k] = anyID
			default:
				out[k] = normalise(k, e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalise(key, e)
		}
		if key == "resources" || key == "offer_ids" || key == "capabilities" {
			sort.SliceStable(out, func(i, j int) bool { return canonical(out[i]) < canonical(out[j]) })
		}
		return out
	case string:
		return mintedID.ReplaceAllString(v, anyID)
	}
	return v
}

// mintedID matches the ids a master mints inside messages: a uuid, with
// Mesos's "-S0", "-O12" or "-0003" suffixes.
var mintedID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-[A-Z]?[0-9]+)?`)

// canonical is v as compact JSON with sorted keys.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// difference is one check whose answers differ.
type difference struct {
	id              string // "scenario/what" or "scenario/what:json.path"
	mesos, embedded any
}

func (d difference) String() string {
	return fmt.Sprintf("%s: mesos %s, embedded %s", d.id, brief(d.mesos), brief(d.embedded))
}

func brief(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	s := canonical(v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// compare diffs two transcripts of one scenario, check by check, in the
// order Mesos's observations were recorded.
func compare(mesos, embedded *transcript) []difference {
	var out []difference
	ids := append([]string(nil), mesos.ids...)
	for _, id := range embedded.ids {
		if _, ok := mesos.obs[id]; !ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		a, aok := mesos.obs[id]
		b, bok := embedded.obs[id]
		if !aok {
			a = absent
		}
		if !bok {
			b = absent
		}
		diffTrees(id, a, b, &out)
	}
	return out
}

// checkCount is how many checks two transcripts of a scenario hold.
func checkCount(mesos, embedded *transcript) int {
	n := len(mesos.ids)
	for _, id := range embedded.ids {
		if _, ok := mesos.obs[id]; !ok {
			n++
		}
	}
	return n
}

// diffTrees appends the differences between a and b, reporting a missing
// or extra field once at its own path rather than once per leaf.
func diffTrees(path string, a, b any, out *[]difference) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := make([]string, 0, len(am)+len(bm))
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			av, ok := am[k]
			if !ok {
				av = absent
			}
			bv, ok := bm[k]
			if !ok {
				bv = absent
			}
			diffTrees(join(path, k), av, bv, out)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			diffTrees(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], out)
		}
		return
	}
	if canonical(a) != canonical(b) {
		*out = append(*out, difference{id: path, mesos: a, embedded: b})
	}
}

// join appends a field to a check id: "s/what" + "f" = "s/what:f", then
// "s/what:f.g".
func join(path, field string) string {
	if strings.Contains(path, ":") {
		return path + "." + field
	}
	return path + ":" + field
}
