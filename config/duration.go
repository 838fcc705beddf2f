package config

import (
	"fmt"
	"time"
)

// Duration is a time span written in TOML as a Go duration string
// ("30s", "10m", "1h30m").
type Duration time.Duration

var _ interface {
	UnmarshalText([]byte) error
	MarshalText() ([]byte, error)
} = (*Duration)(nil)

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a Go duration such as \"30s\", \"10m\" or \"1h30m\"", text)
	}
	*d = Duration(v)
	return nil
}

// MarshalText formats d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// durationFromTOML converts a decoded TOML value, which must be a string.
func durationFromTOML(v any) (Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("expected a duration string such as \"30s\", got %s", tomlType(v))
	}
	var d Duration
	err := d.UnmarshalText([]byte(s))
	return d, err
}
