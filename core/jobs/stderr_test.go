package jobs

import (
	"strings"
	"testing"
)

func TestTailLines(t *testing.T) {
	many := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			b.WriteString("l")
			b.WriteString(strings.Repeat("x", i%3))
			b.WriteString("\n")
		}
		return b.String()
	}
	tests := []struct {
		name string
		in   string
		cut  bool
		max  int
		want string
	}{
		{"few lines", "a\nb\n", false, 20, "a\nb"},
		{"no final newline", "a\nb", false, 20, "a\nb"},
		{"last max lines", many(1, 30), false, 3, "lx\nlxx\nl"},
		{"cut first line dropped", "tial line\nwhole\n", true, 20, "whole"},
		{"cut single line kept", "only part\n", true, 20, "only part"},
		{"control characters", "red \x1b[31m!\r\ttab\n", false, 20, `red \x1b[31m!\r\ttab`},
		{"invalid utf-8", "a\xffb é\n", false, 20, "a\uFFFDb é"},
		{"blank", "\n\n", false, 20, ""},
		{"empty", "", false, 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tailLines([]byte(tt.in), tt.cut, tt.max); got != tt.want {
				t.Errorf("tailLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
