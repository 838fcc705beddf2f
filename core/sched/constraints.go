package sched

import (
	"regexp"
	"strconv"

	"github.com/batchd/batchd/core"
)

// Placement constraints, with Marathon's operators (core.Constraint). The
// scheduler counts, per job, its attempts in flight by the value of each
// constrained field on the agent they run on; UNIQUE, CLUSTER without a
// value and MAX_PER read those counts. An agent without the attribute
// satisfies only UNLIKE. Attempts resumed from an earlier run are not
// counted (their agents' attributes are not known until their offers).

// spread counts a job's attempts in flight by field and value.
type spread map[string]map[string]int

// placements are the spreads of the jobs that have constraints.
type placements struct {
	jobs    map[string]spread
	regexps map[string]*regexp.Regexp
}

func (p *placements) spreadOf(job string) spread {
	if p.jobs == nil {
		p.jobs = map[string]spread{}
	}
	s := p.jobs[job]
	if s == nil {
		s = spread{}
		p.jobs[job] = s
	}
	return s
}

func (p *placements) match(expr, v string) bool {
	re := p.regexps[expr]
	if re == nil {
		var err error
		if re, err = regexp.Compile("^(?:" + expr + ")$"); err != nil {
			return false // Constraint.Check refused it before
		}
		if p.regexps == nil {
			p.regexps = map[string]*regexp.Regexp{}
		}
		p.regexps[expr] = re
	}
	return re.MatchString(v)
}

// fieldOf is the value of a constraint's field on the offer's agent.
func fieldOf(o core.Offer, field string) (string, bool) {
	if field == core.FieldHostname {
		return o.Hostname, o.Hostname != ""
	}
	v, ok := o.Attributes[field]
	return v, ok
}

// allows reports whether a task of job with constraints cs may run on o.
func (p *placements) allows(job string, cs []core.Constraint, o core.Offer) bool {
	if len(cs) == 0 {
		return true
	}
	sp := p.spreadOf(job)
	for _, c := range cs {
		v, ok := fieldOf(o, c.Field)
		if !ok {
			if c.Operator == core.OpUnlike {
				continue
			}
			return false
		}
		counts := sp[c.Field]
		switch c.Operator {
		case core.OpUnique:
			if counts[v] > 0 {
				return false
			}
		case core.OpCluster:
			if c.Value != "" {
				if v != c.Value {
					return false
				}
				continue
			}
			for other, n := range counts {
				if n > 0 && other != v {
					return false
				}
			}
		case core.OpLike:
			if !p.match(c.Value, v) {
				return false
			}
		case core.OpUnlike:
			if p.match(c.Value, v) {
				return false
			}
		case core.OpMaxPer:
			if max, _ := strconv.Atoi(c.Value); counts[v] >= max {
				return false
			}
		}
	}
	return true
}

// placed counts an attempt of job placed on o and returns what to uncount
// when it ends: each constrained field and its value there.
func (p *placements) placed(job string, cs []core.Constraint, o core.Offer) []fieldValue {
	if len(cs) == 0 {
		return nil
	}
	sp := p.spreadOf(job)
	var out []fieldValue
	for i, c := range cs {
		v, ok := fieldOf(o, c.Field)
		if !ok || counted(cs[:i], c.Field) {
			continue
		}
		if sp[c.Field] == nil {
			sp[c.Field] = map[string]int{}
		}
		sp[c.Field][v]++
		out = append(out, fieldValue{c.Field, v})
	}
	return out
}

// counted reports whether an earlier constraint has the same field.
func counted(earlier []core.Constraint, field string) bool {
	for _, c := range earlier {
		if c.Field == field {
			return true
		}
	}
	return false
}

// unplaced uncounts an attempt of job that ended.
func (p *placements) unplaced(job string, fvs []fieldValue) {
	if len(fvs) == 0 {
		return
	}
	sp := p.jobs[job]
	for _, fv := range fvs {
		if sp[fv.field][fv.value] > 1 {
			sp[fv.field][fv.value]--
		} else {
			delete(sp[fv.field], fv.value)
		}
	}
	empty := true
	for _, m := range sp {
		empty = empty && len(m) == 0
	}
	if empty {
		delete(p.jobs, job)
	}
}

// fieldValue is one constrained field's value on an attempt's agent.
type fieldValue struct{ field, value string }
