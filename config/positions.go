package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// position is a 1-based line and byte column in the configuration file.
type position struct{ line, col int }

// positions maps key paths ("cluster.master", "job[1].artifacts[0].uri") to
// where the key, or the header of the table, appears in the file.
type positions map[string]position

// indexPositions walks the TOML syntax tree of data and records the position
// of every key and table header. It expects data that already decoded
// without error; on a syntax error it returns what it found so far.
func indexPositions(data []byte) positions {
	ps := positions{}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // array-of-tables path -> elements seen
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = ps.header(&p, e, arrays)
		case unstable.KeyValue:
			ps.keyValue(&p, e, table)
		}
	}
	return ps
}

// header records a [table] or [[array]] header and returns its path.
func (ps positions) header(p *unstable.Parser, e *unstable.Node, arrays map[string]int) string {
	var keys []*unstable.Node
	for it := e.Key(); it.Next(); {
		keys = append(keys, it.Node())
	}
	path := ""
	for i, k := range keys {
		path = joinKey(path, string(k.Data))
		pos := ps.at(p, k)
		last := i == len(keys)-1
		switch {
		case last && e.Kind == unstable.ArrayTable:
			ps.first(path, pos)
			n := arrays[path]
			arrays[path]++
			path = indexKey(path, n)
			ps[path] = pos
		case last:
			ps[path] = pos
		default:
			ps.first(path, pos)
			if n, ok := arrays[path]; ok {
				path = indexKey(path, n-1)
			}
		}
	}
	return path
}

// keyValue records a (possibly dotted) key and everything nested in its value.
func (ps positions) keyValue(p *unstable.Parser, e *unstable.Node, table string) {
	path := table
	var start position // a dotted key a.b.c is placed at a
	for it := e.Key(); it.Next(); {
		k := it.Node()
		path = joinKey(path, string(k.Data))
		pos := ps.at(p, k)
		if start.line == 0 {
			start = pos
		}
		ps.first(path, pos)
	}
	ps[path] = start
	ps.value(p, e.Value(), path, start)
}

// value records the keys inside inline tables and the elements of arrays.
func (ps positions) value(p *unstable.Parser, v *unstable.Node, path string, pos position) {
	switch v.Kind {
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				ps.keyValue(p, kv, path)
			}
		}
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); {
			el := it.Node()
			if el.Kind == unstable.Comment {
				continue
			}
			elPath := indexKey(path, i)
			elPos := pos
			if el.Raw.Length > 0 {
				elPos = ps.at(p, el)
			}
			ps[elPath] = elPos
			ps.value(p, el, elPath, elPos)
			i++
		}
	}
}

// at returns where node n starts.
func (ps positions) at(p *unstable.Parser, n *unstable.Node) position {
	s := p.Shape(n.Raw).Start
	return position{line: s.Line, col: s.Column}
}

// first records pos for path unless path already has a position.
func (ps positions) first(path string, pos position) {
	if _, ok := ps[path]; !ok {
		ps[path] = pos
	}
}

// find returns the position of path or of its nearest recorded ancestor, or
// zeros when none is known.
func (ps positions) find(path string) (line, col int) {
	for path != "" {
		if p, ok := ps[path]; ok {
			return p.line, p.col
		}
		path = parentKey(path)
	}
	return 0, 0
}

// joinKey appends key to path, quoting it as TOML would if it is not bare.
func joinKey(path, key string) string {
	if !isBare(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexKey appends an array index to path.
func indexKey(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parentKey drops the last segment (".key" or "[i]") of path.
func parentKey(path string) string {
	last := 0 // start of the separator before the last segment
	for i := 0; i < len(path); {
		switch path[i] {
		case '"':
			q, err := strconv.QuotedPrefix(path[i:])
			if err != nil {
				return ""
			}
			i += len(q)
		case '.', '[':
			last = i
			i++
		default:
			i++
		}
	}
	return path[:last]
}

// isBare reports whether key can be written without quotes.
func isBare(key string) bool {
	if key == "" {
		return false
	}
	return strings.IndexFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
