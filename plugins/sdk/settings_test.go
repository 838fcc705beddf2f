package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecodeSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		first    []string
		wantKeys string   // the keys set saw, in order
		wantErrs []string // each must appear in the error; nil: no error
	}{
		{name: "empty", settings: "", wantKeys: ""},
		{name: "blank", settings: " \n", wantKeys: ""},
		{name: "null", settings: "null", wantKeys: ""},
		{name: "empty object", settings: "{}", wantKeys: ""},
		{name: "sorted", settings: `{"c": 1, "a": 1, "b": 1}`, wantKeys: "a,b,c"},
		{name: "first keys first", settings: `{"c": 1, "timeout": 1, "a": 1, "b": 1}`, first: []string{"timeout", "b"}, wantKeys: "timeout,b,a,c"},
		{name: "first key absent", settings: `{"c": 1, "a": 1}`, first: []string{"timeout"}, wantKeys: "a,c"},
		{name: "every problem, in key order", settings: `{"bad2": 1, "ok": 1, "bad1": 1}`, wantKeys: "bad1,bad2,ok",
			wantErrs: []string{"configuring test plugin: fetcher: invalid config: bad1: no good\nconfiguring test plugin: fetcher: invalid config: bad2: no good"}},
		{name: "not an object", settings: `[1]`, wantKeys: "", wantErrs: []string{"configuring test plugin: fetcher: invalid config: json: "}},
		{name: "not JSON", settings: `{`, wantKeys: "", wantErrs: []string{"configuring test plugin: fetcher: invalid config:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			err := DecodeSettings("test plugin", json.RawMessage(tt.settings), func(key string, raw json.RawMessage) error {
				seen = append(seen, key)
				if strings.HasPrefix(key, "bad") {
					return errors.New("no good")
				}
				return nil
			}, tt.first...)
			if got := strings.Join(seen, ","); got != tt.wantKeys {
				t.Errorf("keys = %q, want %q", got, tt.wantKeys)
			}
			if tt.wantErrs == nil {
				if err != nil {
					t.Fatalf("DecodeSettings: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error = %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not hold %q", err, w)
				}
			}
		})
	}
}

func TestDecodeSettingsWrapsSetErrors(t *testing.T) {
	sentinel := errors.New("sentinel")
	err := DecodeSettings("x", json.RawMessage(`{"k": 1}`), func(string, json.RawMessage) error {
		return fmt.Errorf("wrapped: %w", sentinel)
	})
	if !errors.Is(err, sentinel) || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("error = %v, want it to wrap both set's error and ErrInvalidConfig", err)
	}
}

func TestSettingValues(t *testing.T) {
	tests := []struct {
		name    string
		decode  func(json.RawMessage) (any, error)
		raw     string
		want    any
		wantErr string // "" means success
	}{
		{"string", decodeAs(SettingString), `"a b"`, "a b", ""},
		{"string not a string", decodeAs(SettingString), `7`, "", "want a string"},
		{"bool", decodeAs(SettingBool), `true`, true, ""},
		{"bool not a bool", decodeAs(SettingBool), `"yes"`, false, "want true or false"},
		{"duration", decodeAs(SettingDuration), `"1m30s"`, 90 * time.Second, ""},
		{"duration number", decodeAs(SettingDuration), `30`, time.Duration(0), `want a duration string such as "30s"`},
		{"duration bad", decodeAs(SettingDuration), `"soon"`, time.Duration(0), `invalid duration "soon"`},
		{"duration zero", decodeAs(SettingDuration), `"0s"`, time.Duration(0), `duration "0s" must be positive`},
		{"duration negative", decodeAs(SettingDuration), `"-1s"`, time.Duration(0), "must be positive"},
		{"count zero", countFrom(0), `0`, 0, ""},
		{"count", countFrom(0), `12`, 12, ""},
		{"count negative", countFrom(0), `-1`, 0, "-1 must not be negative"},
		{"count not positive", countFrom(1), `0`, 0, "0 must be positive"},
		{"count below least", countFrom(3), `2`, 0, "2 must be at least 3"},
		{"count fraction", countFrom(0), `1.5`, 0, "want a whole number"},
		{"count string", countFrom(0), `"4"`, 0, "want a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode(json.RawMessage(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one holding %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("decoded %v, want %v (a failed decode must leave the value alone)", got, tt.want)
			}
		})
	}
}

// decodeAs adapts a Setting function to the table's shape, starting from
// the zero value.
func decodeAs[T any](f func(json.RawMessage, *T) error) func(json.RawMessage) (any, error) {
	return func(raw json.RawMessage) (any, error) {
		var v T
		err := f(raw, &v)
		return v, err
	}
}

func countFrom(least int) func(json.RawMessage) (any, error) {
	return func(raw json.RawMessage) (any, error) {
		var n int
		err := SettingCount(raw, &n, least)
		return n, err
	}
}
