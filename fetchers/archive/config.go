package archivefetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/plugins/sdk"
)

// Config holds the archive fetcher's limits, which every Extract applies
// (a request may only tighten them).
type Config struct {
	// MaxBytes bounds the total size one archive unpacks to, and so the
	// size of any one file ("max_bytes": a number of bytes or a string
	// such as "8GiB", "500MB").
	MaxBytes int64
	// MaxFiles bounds the number of entries in one archive ("max_files").
	MaxFiles int
}

// DefaultConfig returns internal/archive's defaults: 8 GiB, 100,000 entries.
func DefaultConfig() Config {
	return Config{MaxBytes: archive.DefaultMaxBytes, MaxFiles: archive.DefaultMaxFiles}
}

// applyJSON overlays the JSON settings on c. Every problem is reported,
// each wrapping sdk.ErrInvalidConfig and naming its key.
func (c Config) applyJSON(settings json.RawMessage) (Config, error) {
	if err := sdk.DecodeSettings("archive fetcher", settings, c.set); err != nil {
		return c, err
	}
	return c, nil
}

// set decodes one setting into c.
func (c *Config) set(key string, raw json.RawMessage) error {
	switch key {
	case "max_bytes":
		n, err := parseSize(raw)
		if err != nil {
			return err
		}
		c.MaxBytes = n
		return nil
	case "max_files":
		var n int
		if err := sdk.SettingCount(raw, &n, 1); err != nil {
			return err
		}
		if n > math.MaxInt32 {
			return fmt.Errorf("%d entries is too many", n)
		}
		c.MaxFiles = n
		return nil
	}
	return errors.New("unknown key (known: max_bytes, max_files)")
}

// units are the size suffixes parseSize knows, longest first.
var units = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads a positive size: a JSON number of bytes, or a string of
// a whole number and an optional unit ("8GiB", "500 MB", "1024").
func parseSize(raw json.RawMessage) (int64, error) {
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%d is not a positive size", n)
		}
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("%s is neither a number of bytes nor a string like \"8GiB\"", raw)
	}
	num, mult := strings.TrimSpace(strings.ToLower(s)), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v <= 0 || v > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want a positive whole number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s)
	}
	return v * mult, nil
}
