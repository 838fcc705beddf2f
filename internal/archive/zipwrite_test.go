package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corruptZipCRC flips the CRC-32 the central directory gives for name.
func corruptZipCRC(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	data = bytes.Clone(data)
	for i := 0; ; i++ {
		j := bytes.Index(data[i:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central directory entry for %q", name)
		}
		i += j
		n := int(data[i+28]) | int(data[i+29])<<8
		if string(data[i+46:i+46+n]) == name {
			data[i+16] ^= 0xff
			return data
		}
	}
}

// TestZipErrorsInArchiveOrder: zip bodies are written concurrently, yet
// the error is the first bad entry's, Check and Extract agree, the bad
// file is not left, and the good ones before it are whole.
func TestZipErrorsInArchiveOrder(t *testing.T) {
	var many []member
	for i := range 300 {
		many = append(many, member{name: fmt.Sprintf("d%d/f%03d", i%7, i), body: strings.Repeat(fmt.Sprint(i), 100+i*37)})
	}
	tests := []struct {
		name    string
		data    func(t *testing.T) []byte
		entry   string // named by the error
		corrupt bool   // ErrCorrupt, else a RuleError
		good    []member
	}{
		{name: "bad checksum before a rule break", data: func(t *testing.T) []byte {
			return corruptZipCRC(t, zipOf(t, member{name: "a", body: "alpha"}, member{name: "b", body: "bravo"},
				member{name: "c", body: "charlie"}, member{name: "../d", body: "x"}), "b")
		}, entry: "b", corrupt: true, good: []member{{name: "a", body: "alpha"}}},
		{name: "rule break before a bad checksum", data: func(t *testing.T) []byte {
			return corruptZipCRC(t, zipOf(t, member{name: "a", body: "alpha"}, member{name: "../b", body: "x"},
				member{name: "c", body: "charlie"}), "c")
		}, entry: "../b", good: []member{{name: "a", body: "alpha"}}},
		{name: "bad checksum after many files", data: func(t *testing.T) []byte {
			return corruptZipCRC(t, zipOf(t, append(many, member{name: "last", body: "zulu"}, member{name: "after", body: "x"})...), "last")
		}, entry: "last", corrupt: true, good: many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := writeFile(t, "x.zip", tc.data(t))
			dst := t.TempDir()
			ctx := context.Background()
			_, cerr := Check(ctx, src, Limits{})
			_, xerr := Extract(ctx, src, dst, Limits{})
			if cerr == nil || xerr == nil || cerr.Error() != xerr.Error() {
				t.Fatalf("Check said %v, Extract said %v", cerr, xerr)
			}
			var re *RuleError
			switch {
			case tc.corrupt && !errors.Is(xerr, ErrCorrupt):
				t.Errorf("Extract: %v, want ErrCorrupt", xerr)
			case !tc.corrupt && !errors.As(xerr, &re):
				t.Errorf("Extract: %v, want a RuleError", xerr)
			}
			if !strings.Contains(xerr.Error(), fmt.Sprintf("%q", tc.entry)) {
				t.Errorf("Extract: %v, want entry %q named", xerr, tc.entry)
			}
			if _, err := os.Lstat(filepath.Join(dst, tc.entry)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the bad entry %q was left: %v", tc.entry, err)
			}
			for _, m := range tc.good {
				if got, err := os.ReadFile(filepath.Join(dst, m.name)); err != nil || string(got) != m.body {
					t.Fatalf("%s: %d bytes, want %d (%v)", m.name, len(got), len(m.body), err)
				}
			}
		})
	}
}

func TestZipDuplicateNamesKeepTheLast(t *testing.T) {
	var ms []member
	for i := range 50 {
		ms = append(ms, member{name: "same", body: strings.Repeat(fmt.Sprint(i), 5000)})
	}
	src := writeFile(t, "dup.zip", zipOf(t, ms...))
	dst := t.TempDir()
	stats, err := Extract(context.Background(), src, dst, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "same")); err != nil || string(got) != ms[len(ms)-1].body {
		t.Errorf("same: %.20q..., want the last entry's body (%v)", got, err)
	}
	if stats.Files != 50 {
		t.Errorf("stats %+v", stats)
	}
}
