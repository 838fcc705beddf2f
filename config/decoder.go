package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// decoder turns the generic tree that go-toml decodes into typed values,
// recording a positioned problem for every unknown key and wrong type
// instead of stopping at the first.
type decoder struct {
	problems
}

// fields maps each key a table allows to the function that decodes its value
// found at path.
type fields map[string]func(path string, v any)

// syntaxError is a TOML syntax error without go-toml's "toml: " prefix.
type syntaxError struct{ err *toml.DecodeError }

func (e syntaxError) Error() string {
	return "syntax error: " + strings.TrimPrefix(e.err.Error(), "toml: ")
}
func (e syntaxError) Unwrap() error { return e.err }

// parse decodes data into a generic tree and indexes key positions. On a
// syntax error it records the problem and returns false.
func (d *decoder) parse(data []byte) (map[string]any, bool) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		e := &Error{File: d.file, Err: err}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			e.Line, e.Col = de.Position()
			for _, k := range de.Key() {
				e.Key = joinKey(e.Key, k)
			}
			e.Err = syntaxError{de}
		}
		d.list = append(d.list, e)
		return nil, false
	}
	d.pos = indexPositions(data)
	return doc, true
}

// table decodes the table v at path, passing each key to its entry in f.
func (d *decoder) table(path string, v any, f fields) {
	m, ok := v.(map[string]any)
	if !ok {
		d.addf(path, "expected a table, got %s", tomlType(v))
		return
	}
	for _, k := range sortedKeys(m) {
		kp := joinKey(path, k)
		if set, ok := f[k]; ok {
			set(kp, m[k])
			continue
		}
		if s := suggest(k, f); s != "" {
			d.addf(kp, "unknown key (did you mean %q?)", s)
		} else {
			d.addf(kp, "unknown key")
		}
	}
}

// tables decodes an array of tables (or of inline tables), calling each with
// the path and value of every element.
func (d *decoder) tables(path string, v any, what string, each func(path string, v any)) {
	list, ok := v.([]any)
	if !ok {
		d.addf(path, "expected %s, got %s", what, tomlType(v))
		return
	}
	for i, el := range list {
		each(indexKey(path, i), el)
	}
}

func (d *decoder) str(dst *string) func(string, any) {
	return func(path string, v any) {
		if s, ok := v.(string); ok {
			*dst = s
			return
		}
		d.addf(path, "expected a string, got %s", tomlType(v))
	}
}

func (d *decoder) boolean(dst *bool) func(string, any) {
	return func(path string, v any) {
		if b, ok := v.(bool); ok {
			*dst = b
			return
		}
		d.addf(path, "expected true or false, got %s", tomlType(v))
	}
}

func (d *decoder) integer(dst *int) func(string, any) {
	return func(path string, v any) {
		if n, ok := v.(int64); ok && int64(int(n)) == n {
			*dst = int(n)
			return
		}
		d.addf(path, "expected an integer, got %s", tomlType(v))
	}
}

func (d *decoder) number(dst *float64) func(string, any) {
	return func(path string, v any) {
		switch n := v.(type) {
		case int64:
			*dst = float64(n)
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				d.addf(path, "must be a finite number")
				return
			}
			*dst = n
		default:
			d.addf(path, "expected a number, got %s", tomlType(v))
		}
	}
}

func (d *decoder) size(dst *Size) func(string, any) {
	return func(path string, v any) {
		s, err := sizeFromTOML(v)
		if err != nil {
			d.add(path, err)
			return
		}
		*dst = s
	}
}

func (d *decoder) duration(dst *Duration) func(string, any) {
	return func(path string, v any) {
		t, err := durationFromTOML(v)
		if err != nil {
			d.add(path, err)
			return
		}
		*dst = t
	}
}

func (d *decoder) stringList(dst *[]string) func(string, any) {
	return func(path string, v any) {
		list, ok := v.([]any)
		if !ok {
			d.addf(path, "expected an array of strings, got %s", tomlType(v))
			return
		}
		out := make([]string, 0, len(list))
		for i, el := range list {
			s, ok := el.(string)
			if !ok {
				d.addf(indexKey(path, i), "expected a string, got %s", tomlType(el))
				continue
			}
			out = append(out, s)
		}
		*dst = out
	}
}

// raw keeps a table as decoded, for plugins to interpret.
func (d *decoder) raw(dst *map[string]any) func(string, any) {
	return func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			d.addf(path, "expected a table, got %s", tomlType(v))
			return
		}
		*dst = m
	}
}

// tomlType names the TOML type of a decoded value for error messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time, toml.LocalDateTime:
		return "datetime"
	case toml.LocalDate:
		return "date"
	case toml.LocalTime:
		return "time"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// suggest returns the allowed key closest to a misspelt one, or "".
func suggest(key string, f fields) string { return Closest(key, sortedKeys(f)) }

// Closest returns the candidate closest to a misspelt word (fewer than 3
// edits away, the first of equals), or "": what to offer after "did you
// mean". batchd's command line uses it for commands too.
func Closest(word string, candidates []string) string {
	if len(word) > 64 {
		return ""
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		if dist := editDistance(word, c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
