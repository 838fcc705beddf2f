// Package count is the word count's arithmetic, shared by the workload
// plugin (which reduces) and the task program (which counts): splitting
// text into words, the result a task reports, and merging results into a
// ranking. It imports only the standard library, so the task program that
// uses it stays small.
package count

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
)

// MaxLine bounds one line of input, in bytes.
const MaxLine = 1 << 20

// Output is what one task reports: how many lines it read and how many
// times each word occurs in them.
type Output struct {
	Lines int            `json:"lines"`
	Words map[string]int `json:"words"`
}

// Words splits a line into words: runs of letters, digits and apostrophes
// inside a word ("don't"), lower-cased.
func Words(line string) []string {
	return strings.FieldsFunc(strings.ToLower(line), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// Lines counts the words of lines first to first+n-1 (from 1) of r; n < 1
// means every line from first. It returns an Output for the lines it read,
// which may be fewer than n at the end of r.
func Lines(r io.Reader, first, n int) (Output, error) {
	out := Output{Words: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	for line := 1; sc.Scan(); line++ {
		if line < first {
			continue
		}
		if n > 0 && line >= first+n {
			break
		}
		out.Lines++
		for _, w := range Words(sc.Text()) {
			w = strings.Trim(w, "'")
			if w != "" {
				out.Words[w]++
			}
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return out, fmt.Errorf("reading line %d: longer than the limit of %d bytes for one line: %w", first+out.Lines, MaxLine, err)
	} else if err != nil {
		return out, fmt.Errorf("reading line %d: %w", first+out.Lines, err)
	}
	return out, nil
}

// WordCount is one word and how often it occurs.
type WordCount struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Top returns the n most frequent words of counts, most frequent first;
// words that occur equally often come in alphabetical order, so the
// ranking is the same however the counts were split into tasks.
func Top(counts map[string]int, n int) []WordCount {
	all := make([]WordCount, 0, len(counts))
	for w, c := range counts {
		all = append(all, WordCount{Word: w, Count: c})
	}
	slices.SortFunc(all, func(a, b WordCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Word, b.Word)
	})
	if n < len(all) {
		all = all[:n]
	}
	return all
}
