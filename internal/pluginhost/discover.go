package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Kind is a kind of plugin.
type Kind string

// The plugin kinds.
const (
	KindWorkload Kind = "workload"
	KindFetcher  Kind = "fetcher"
)

// FileName is the executable name of the plugin of kind k called name.
func FileName(k Kind, name string) string { return "batchd-" + string(k) + "-" + name }

// find returns the path of the plugin of kind k called name: the first
// folder in Dirs holding an executable regular file of that name.
func (h *Host) find(k Kind, name string) (string, error) {
	file := FileName(k, name)
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("%w: %q is not a valid %s plugin name", ErrNotFound, name, k)
	}
	for _, dir := range h.cfg.Dirs {
		p := filepath.Join(dir, file)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no executable %s in %s", ErrNotFound, file, h.searched())
}

// searched describes the plugin folders for error messages.
func (h *Host) searched() string {
	if len(h.cfg.Dirs) == 0 {
		return "any plugin folder (none configured)"
	}
	q := make([]string, len(h.cfg.Dirs))
	for i, d := range h.cfg.Dirs {
		q[i] = strconv.Quote(d)
	}
	return "plugin folders " + strings.Join(q, ", ")
}

// found is a plugin executable found by scan.
type found struct {
	name string
	path string
	dir  int // index of its folder in Dirs
}

// scan returns all plugins of kind k, sorted by name; where several
// folders hold one name, the first folder wins.
func (h *Host) scan(k Kind) []found {
	prefix := FileName(k, "")
	seen := map[string]bool{}
	var out []found
	for i, dir := range h.cfg.Dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			h.log.Warn("reading plugin folder", "dir", dir, "error", err)
			continue
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), prefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			if p := filepath.Join(dir, e.Name()); isExecutable(p) {
				seen[name] = true
				out = append(out, found{name: name, path: p, dir: i})
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// pin returns the pinned SHA-256 of the plugin at path, nil if unpinned.
func (h *Host) pin(k Kind, name string) ([]byte, error) {
	v, ok := h.cfg.Pins[FileName(k, name)]
	if !ok {
		v, ok = h.cfg.Pins[name]
	}
	if !ok {
		return nil, nil
	}
	hexsum, ok := strings.CutPrefix(v, "sha256:")
	sum, err := hex.DecodeString(hexsum)
	if !ok || err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("%w: pin for %s is %q, want \"sha256:\" and 64 hex digits", ErrChecksum, FileName(k, name), v)
	}
	return sum, nil
}

// checkPin verifies the file at path against want.
func checkPin(path string, want []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("checking pinned plugin %s: %w", path, err)
	}
	defer f.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return fmt.Errorf("checking pinned plugin %s: %w", path, err)
	}
	if got := hash.Sum(nil); string(got) != string(want) {
		return fmt.Errorf("%w: %s has sha256:%x, pinned sha256:%x", ErrChecksum, path, got, want)
	}
	return nil
}
