package localcluster

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// ParseAttributes parses an agent's attributes in the syntax of the Mesos
// agent's --attributes flag: "name:value;name:value", where a value is a
// scalar ("2.5"), ranges ("[1-10,20-30]"), a set ("{a,b}") or text. Offers
// of the agent carry them, for placement constraints.
func ParseAttributes(spec string) ([]mesos.Attribute, error) {
	var out []mesos.Attribute
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || name == "" || value == "":
			return nil, fmt.Errorf("attribute %q: want name:value", part)
		case seen[name]:
			return nil, fmt.Errorf("attribute %q: %s is given twice", part, name)
		}
		seen[name] = true
		a, err := parseAttribute(name, value)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", part, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func parseAttribute(name, value string) (mesos.Attribute, error) {
	a := mesos.Attribute{Name: name}
	switch {
	case strings.HasPrefix(value, "["):
		if !strings.HasSuffix(value, "]") {
			return a, fmt.Errorf("ranges %q lack their closing ]", value)
		}
		var rs []mesos.Value_Range
		for _, r := range strings.Split(value[1:len(value)-1], ",") {
			lo, hi, ok := strings.Cut(strings.TrimSpace(r), "-")
			b, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
			e, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 64)
			if !ok || err1 != nil || err2 != nil || b > e {
				return a, fmt.Errorf("range %q: want begin-end", r)
			}
			rs = append(rs, mesos.Value_Range{Begin: b, End: e})
		}
		a.Type, a.Ranges = mesos.RANGES, &mesos.Value_Ranges{Range: rs}
	case strings.HasPrefix(value, "{"):
		if !strings.HasSuffix(value, "}") {
			return a, fmt.Errorf("set %q lacks its closing }", value)
		}
		var items []string
		for _, s := range strings.Split(value[1:len(value)-1], ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		a.Type, a.Set = mesos.SET, &mesos.Value_Set{Item: items}
	default:
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			a.Type, a.Scalar = mesos.SCALAR, &mesos.Value_Scalar{Value: f}
		} else {
			a.Type, a.Text = mesos.TEXT, &mesos.Value_Text{Value: value}
		}
	}
	return a, nil
}

// attributesJSON is attributes as the state endpoints write them: by name,
// scalars as numbers, the rest as their text.
func attributesJSON(attrs []mesos.Attribute) map[string]any {
	out := map[string]any{}
	for _, a := range attrs {
		switch a.Type {
		case mesos.SCALAR:
			out[a.Name] = a.GetScalar().GetValue()
		case mesos.RANGES:
			var parts []string
			for _, r := range a.GetRanges().GetRange() {
				parts = append(parts, fmt.Sprintf("%d-%d", r.Begin, r.End))
			}
			out[a.Name] = "[" + strings.Join(parts, ", ") + "]"
		case mesos.SET:
			items := append([]string(nil), a.GetSet().GetItem()...)
			sort.Strings(items)
			out[a.Name] = "{" + strings.Join(items, ", ") + "}"
		default:
			out[a.Name] = a.GetText().GetValue()
		}
	}
	return out
}
