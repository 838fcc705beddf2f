package localcluster

import (
	"fmt"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// formatResources writes resources as Mesos's operator<< does
// (src/common/resources.cpp), as its error messages quote them:
// "cpus(allocated: *):0.5; ports(allocated: *):[31000-32000]".
func formatResources(rs []mesos.Resource) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		var b strings.Builder
		b.WriteString(r.Name)
		if a := r.AllocationInfo; a != nil && a.Role != nil {
			fmt.Fprintf(&b, "(allocated: %s)", *a.Role)
		}
		b.WriteByte(':')
		switch r.GetType() {
		case mesos.SCALAR:
			b.WriteString(strconv.FormatFloat(r.GetScalar().GetValue(), 'g', 6, 64))
		case mesos.RANGES:
			var rgs []string
			for _, rg := range r.GetRanges().GetRange() {
				rgs = append(rgs, fmt.Sprintf("%d-%d", rg.Begin, rg.End))
			}
			b.WriteString("[" + strings.Join(rgs, ", ") + "]")
		case mesos.SET:
			b.WriteString("{" + strings.Join(r.GetSet().GetItem(), ", ") + "}")
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, "; ")
}
