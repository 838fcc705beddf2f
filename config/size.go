package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is an amount of memory or disk in bytes. In TOML it is written as a
// string with a binary unit ("512MiB", "2GiB", "1.5G") or as a plain integer
// meaning MiB, the unit Mesos uses for mem and disk.
type Size int64

// Size units. K, M, G, T and the KB/MB/GB/TB spellings are binary too, as in Mesos.
const (
	Byte Size = 1
	KiB       = 1024 * Byte
	MiB       = 1024 * KiB
	GiB       = 1024 * MiB
	TiB       = 1024 * GiB
)

var sizeUnits = map[string]Size{
	"": MiB, "b": Byte,
	"k": KiB, "kb": KiB, "kib": KiB,
	"m": MiB, "mb": MiB, "mib": MiB,
	"g": GiB, "gb": GiB, "gib": GiB,
	"t": TiB, "tb": TiB, "tib": TiB,
}

var _ interface {
	UnmarshalText([]byte) error
	MarshalText() ([]byte, error)
} = (*Size)(nil)

// ParseSize parses a size such as "512MiB", "1.5G", "2048" (MiB) or "100B".
// Units are case-insensitive and binary; negative sizes are rejected.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("invalid size %q: must not be negative", s)
	}
	i := strings.IndexFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("invalid size %q: want a number and a unit such as \"512MiB\" or \"2GiB\"", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KiB, MiB, GiB or TiB)", s, t[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: bad number", s)
	}
	b := math.Round(f * float64(mult))
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return Size(b), nil
}

// Bytes returns the size in bytes.
func (s Size) Bytes() int64 { return int64(s) }

// MiB returns the size in MiB, the unit of Mesos mem and disk resources.
func (s Size) MiB() float64 { return float64(s) / float64(MiB) }

// String formats the size with the largest binary unit that keeps it short,
// e.g. "512MiB" or "1.5GiB"; the result parses back with ParseSize.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		size Size
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}} {
		if s >= u.size && s%(u.size/4) == 0 {
			return strconv.FormatFloat(float64(s)/float64(u.size), 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// UnmarshalText parses text with ParseSize.
func (s *Size) UnmarshalText(text []byte) error {
	v, err := ParseSize(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText formats the size as String does.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// sizeFromTOML converts a decoded TOML value: a string is parsed, an integer
// is MiB.
func sizeFromTOML(v any) (Size, error) {
	switch x := v.(type) {
	case string:
		return ParseSize(x)
	case int64:
		if x < 0 {
			return 0, errors.New("must not be negative")
		}
		if x > math.MaxInt64/int64(MiB) {
			return 0, errors.New("too large")
		}
		return Size(x) * MiB, nil
	}
	return 0, fmt.Errorf("expected a size such as \"512MiB\" or an integer number of MiB, got %s", tomlType(v))
}
