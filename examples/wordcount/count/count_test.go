package count

import (
	"reflect"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	const text = "The cat\nthe dog, the CAT!\n\ndon't 'quote' 42\n"
	tests := []struct {
		name     string
		first, n int
		want     Output
	}{
		{"all", 1, 0, Output{Lines: 4, Words: map[string]int{"the": 3, "cat": 2, "dog": 1, "don't": 1, "quote": 1, "42": 1}}},
		{"a chunk", 2, 2, Output{Lines: 2, Words: map[string]int{"the": 2, "dog": 1, "cat": 1}}},
		{"past the end", 4, 10, Output{Lines: 1, Words: map[string]int{"don't": 1, "quote": 1, "42": 1}}},
		{"beyond", 9, 1, Output{Words: map[string]int{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Lines(strings.NewReader(text), tt.first, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lines(%d, %d) = %+v, want %+v", tt.first, tt.n, got, tt.want)
			}
		})
	}
}

func TestTop(t *testing.T) {
	counts := map[string]int{"b": 2, "a": 2, "c": 5, "d": 1}
	want := []WordCount{{"c", 5}, {"a", 2}, {"b", 2}}
	if got := Top(counts, 3); !reflect.DeepEqual(got, want) {
		t.Errorf("Top = %v, want %v", got, want)
	}
	if got := Top(counts, 10); len(got) != 4 {
		t.Errorf("Top(10) has %d words, want 4", len(got))
	}
}

// TestLinesTooLong checks a line over MaxLine is an error naming the line
// and the limit.
func TestLinesTooLong(t *testing.T) {
	text := "a b\n" + strings.Repeat("x", MaxLine+1) + "\n"
	_, err := Lines(strings.NewReader(text), 1, 0)
	want := "reading line 2: longer than the limit of 1048576 bytes for one line: bufio.Scanner: token too long"
	if err == nil || err.Error() != want {
		t.Errorf("Lines error = %v, want %q", err, want)
	}
}
