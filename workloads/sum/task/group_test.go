package task

import (
	"math/big"
	"strings"
	"testing"
)

func FuzzParseGroup(f *testing.F) {
	for _, seed := range []string{"1 2 3", " +7\t-0 007 ", "", "x", "1.5", "0x10", "1_000", "-", "+-1",
		"99999999999999999999999999999999999999999 -1", "１２", "1\u00a02", "\n\v\f\r"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nums, err := ParseGroup(s)
		if err != nil {
			if nums != nil {
				t.Fatalf("ParseGroup(%q) returned numbers and error %v", s, err)
			}
			return
		}
		fields := strings.Fields(s)
		if len(nums) != len(fields) || len(nums) == 0 {
			t.Fatalf("ParseGroup(%q) = %d numbers from %d fields", s, len(nums), len(fields))
		}
		for i, f := range fields {
			if strings.TrimLeft(f, "+-0123456789") != "" {
				t.Fatalf("ParseGroup(%q) accepted field %q", s, f)
			}
			n := new(big.Int)
			if _, ok := n.SetString(nums[i].String(), 10); !ok || n.Cmp(nums[i]) != 0 {
				t.Fatalf("%s does not round-trip", nums[i])
			}
		}
		// The normalised form parses to the same numbers.
		again, err := ParseGroup(strings.Join(Decimals(nums), " "))
		if err != nil || len(again) != len(nums) {
			t.Fatalf("normalised %q does not re-parse: %v", Decimals(nums), err)
		}
		for i := range nums {
			if again[i].Cmp(nums[i]) != 0 {
				t.Fatalf("normalised number %d changed: %s != %s", i, again[i], nums[i])
			}
		}
		if got, want := Sum(again), Sum(nums); got.Cmp(want) != 0 {
			t.Fatalf("sum changed after normalising: %s != %s", got, want)
		}
	})
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("9", 1000)
	if q := Quote(long); len(q) > 100 || !strings.Contains(q, "1000 bytes") {
		t.Errorf("Quote(long) = %q", q)
	}
	if q := Quote("4 x 6"); q != `"4 x 6"` {
		t.Errorf("quote = %s", q)
	}
}
