package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// DecodeSettings decodes a plugin's JSON settings (the plugin's table in
// cluster.toml, as Configure receives it) key by key: it calls set once per
// key with the key's raw value, the keys named in first before all others
// in the order given, then the rest in sorted order. Empty settings and
// null decode to no calls.
//
// what names the plugin in errors, such as "ftp fetcher". Every problem is
// reported, not just the first: each error set returns becomes
//
//	configuring ftp fetcher: fetcher: invalid config: timeout: <set's error>
//
// wrapping ErrInvalidConfig, and the errors are joined in key order.
// Settings that are not a JSON object are one such error without a key.
// set should return an error (such as "unknown key") for a key it does not
// know, and should never put a secret in its errors.
func DecodeSettings(what string, settings json.RawMessage, set func(key string, raw json.RawMessage) error, first ...string) error {
	if len(bytes.TrimSpace(settings)) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(settings, &m); err != nil {
		return fmt.Errorf("configuring %s: %w: %w", what, fetcher.ErrInvalidConfig, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rank := func(k string) int {
		if i := slices.Index(first, k); i >= 0 {
			return i
		}
		return len(first)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return rank(a) - rank(b) })
	var errs []error
	for _, k := range keys {
		if err := set(k, m[k]); err != nil {
			errs = append(errs, fmt.Errorf("configuring %s: %w: %s: %w", what, fetcher.ErrInvalidConfig, k, err))
		}
	}
	return errors.Join(errs...)
}

// SettingString decodes a JSON string into s.
func SettingString(raw json.RawMessage, s *string) error {
	if err := json.Unmarshal(raw, s); err != nil {
		return errors.New("want a string")
	}
	return nil
}

// SettingBool decodes a JSON true or false into b.
func SettingBool(raw json.RawMessage, b *bool) error {
	if err := json.Unmarshal(raw, b); err != nil {
		return errors.New("want true or false")
	}
	return nil
}

// SettingDuration decodes a positive duration written as a JSON string
// such as "30s" or "1m30s" (time.ParseDuration's syntax) into d.
func SettingDuration(raw json.RawMessage, d *time.Duration) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return errors.New(`want a duration string such as "30s"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("duration %q must be positive", s)
	}
	*d = v
	return nil
}

// SettingCount decodes a JSON whole number of at least least into n:
// least 0 for a count that may be zero (retries), 1 for a bound that must
// be positive (connections).
func SettingCount(raw json.RawMessage, n *int, least int) error {
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return errors.New("want a whole number")
	}
	if v < least {
		switch least {
		case 0:
			return fmt.Errorf("%d must not be negative", v)
		case 1:
			return fmt.Errorf("%d must be positive", v)
		}
		return fmt.Errorf("%d must be at least %d", v, least)
	}
	*n = v
	return nil
}
