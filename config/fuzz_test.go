package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that it returns either a
// valid config or positioned problems, never both or neither.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.toml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a.b.c = 1\n[a.b.d]\n[[a.b.e]]\n[[a.b.e.f]]\nx = [{y = [1, {z = 2}]}]\n"))
	f.Add([]byte("[[job]]\n[[job.artifacts]]\n[[job]]\n[[job.artifacts]]\n[[job.artifacts]]\nuri = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one of them", c, err)
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			return
		}
		_ = c.Redacted()
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate after a successful Parse: %v", err)
		}
	})
}
