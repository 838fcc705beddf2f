package config

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Size
		wantErr bool
	}{
		{"512MiB", 512 * MiB, false},
		{"2GiB", 2 * GiB, false},
		{"1.5G", 1536 * MiB, false},
		{"1.5 gb", 1536 * MiB, false},
		{"64", 64 * MiB, false},
		{"100B", 100, false},
		{"4k", 4 * KiB, false},
		{"1TiB", TiB, false},
		{"0", 0, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"-1MiB", 0, true},
		{"12XB", 0, true},
		{"1.2.3G", 0, true},
		{"1e3M", 0, true},
		{"99999999999TiB", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	for _, tc := range []struct {
		in   Size
		want string
	}{
		{512 * MiB, "512MiB"},
		{1536 * MiB, "1.5GiB"},
		{10 * GiB, "10GiB"},
		{100, "100B"},
		{MiB + 1, "1048577B"},
		{0, "0B"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			back, err := ParseSize(tc.in.String())
			if err != nil || back != tc.in {
				t.Errorf("ParseSize(String()) = %d, %v; want %d", back, err, tc.in)
			}
		})
	}
	if got := (1536 * MiB).MiB(); got != 1536 {
		t.Errorf("MiB() = %v, want 1536", got)
	}
}

func TestSizeFromTOML(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      any
		want    Size
		wantErr bool
	}{
		{"integer MiB", int64(128), 128 * MiB, false},
		{"string", "1GiB", GiB, false},
		{"negative integer", int64(-1), 0, true},
		{"huge integer", int64(1) << 62, 0, true},
		{"float", 1.5, 0, true},
		{"bool", true, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sizeFromTOML(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("sizeFromTOML(%v) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      any
		want    time.Duration
		wantErr bool
	}{
		{"seconds", "30s", 30 * time.Second, false},
		{"compound", "1h30m", 90 * time.Minute, false},
		{"no unit", "10", 0, true},
		{"words", "1 hour", 0, true},
		{"integer", int64(30), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := durationFromTOML(tc.in)
			if (err != nil) != tc.wantErr || got.Std() != tc.want {
				t.Errorf("durationFromTOML(%v) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	text, err := Duration(90 * time.Minute).MarshalText()
	if err != nil || string(text) != "1h30m0s" {
		t.Errorf("MarshalText = %q, %v", text, err)
	}
}
