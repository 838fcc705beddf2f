package pluginhost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/batchd/batchd/plugins/workload"
)

// Reasons List gives for a file in a plugin folder that batchd cannot use
// (besides ErrStart, ErrHung, ErrChecksum and a plugin's own errors).
var (
	// ErrNotExecutable means a file named like a plugin has no execute permission.
	ErrNotExecutable = errors.New("host: plugin file is not executable")
	// ErrUnknownKind means a file's name is not batchd-workload-<name> or
	// batchd-fetcher-<name>.
	ErrUnknownKind = errors.New("host: not named like a plugin")
	// ErrShadowed means an earlier plugin folder holds a plugin of the same
	// kind and name, which is the one used.
	ErrShadowed = errors.New("host: plugin shadowed by an earlier folder's")
)

// PluginInfo describes one file found in the plugin folders.
type PluginInfo struct {
	// Kind is the plugin's kind, "" for a file not named like a plugin.
	Kind Kind
	// Name is the plugin's name, or the file's name when Kind is "".
	Name        string
	Path        string
	Version     string
	Description string
	// Schemes are a fetcher's URI schemes.
	Schemes []string
	// Formats are the archive formats a fetcher extracts.
	Formats []string
	// Params are a workload's parameters.
	Params []workload.Param
	// Err is why batchd cannot use the file, if it cannot.
	Err error
}

// List describes every file in the plugin folders. It launches every
// plugin, all in parallel (each bounded by the start and call timeouts),
// and describes it; a file batchd cannot use is listed with the reason in
// PluginInfo.Err: ErrNotExecutable, ErrUnknownKind, ErrShadowed, ErrStart
// (not a batchd plugin of its kind, or another protocol version), ErrHung
// (no handshake in time), ErrChecksum, or what its Describe or Configure
// answered. Task programs (batchd-task-*), folders and hidden files are
// not plugin files and are left out. Workloads come first, then fetchers,
// then the other files, each sorted by name. List itself does not fail.
func (h *Host) List(ctx context.Context) []PluginInfo {
	out := h.listFiles()
	var fetchers []found
	var at []int // index in out of each of fetchers
	var wg sync.WaitGroup
	for i := range out {
		pi := &out[i]
		switch {
		case pi.Err != nil:
		case pi.Kind == KindFetcher:
			fetchers = append(fetchers, found{name: pi.Name, path: pi.Path})
			at = append(at, i)
		default:
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst, err := h.instanceOf(ctx, KindWorkload, pi.Name)
				if err != nil {
					pi.Err = err
					return
				}
				pi.Version, pi.Description, pi.Params = inst.winfo.Version, inst.winfo.Description, inst.winfo.Params
			}()
		}
	}
	for j, p := range h.probe(ctx, fetchers) {
		pi := &out[at[j]]
		if p.err != nil {
			pi.Err = p.err
			continue
		}
		pi.Version, pi.Schemes, pi.Formats = p.inst.finfo.Version, p.inst.finfo.Schemes, p.inst.finfo.Formats
	}
	wg.Wait()
	return out
}

// listFiles returns every file of the plugin folders, sorted as List
// returns them, with Err set for those that cannot be launched.
func (h *Host) listFiles() []PluginInfo {
	used := map[key]string{} // plugin -> path of the file used
	var out []PluginInfo
	for _, dir := range h.cfg.Dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				h.log.Warn("reading plugin folder", "dir", dir, "error", err)
			}
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			st, err := os.Stat(p)
			if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "batchd-task-") || (err == nil && st.IsDir()) {
				continue
			}
			pi := PluginInfo{Path: p, Name: e.Name()}
			k, name, ok := kindOf(e.Name())
			switch {
			case !ok:
				pi.Err = fmt.Errorf("%w: want %s or %s", ErrUnknownKind, FileName(KindWorkload, "<name>"), FileName(KindFetcher, "<name>"))
			case err != nil:
				pi.Kind, pi.Name, pi.Err = k, name, err
			case !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0:
				pi.Kind, pi.Name = k, name
				pi.Err = fmt.Errorf("%w (mode %v): batchd skips it", ErrNotExecutable, st.Mode())
			case used[key{k, name}] != "":
				pi.Kind, pi.Name = k, name
				pi.Err = fmt.Errorf("%w: %s is used", ErrShadowed, used[key{k, name}])
			default:
				pi.Kind, pi.Name = k, name
				used[key{k, name}] = p
			}
			out = append(out, pi)
		}
	}
	rank := map[Kind]int{KindWorkload: 0, KindFetcher: 1, "": 2}
	slices.SortStableFunc(out, func(a, b PluginInfo) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// kindOf splits a plugin file name into its kind and name.
func kindOf(file string) (Kind, string, bool) {
	for _, k := range []Kind{KindWorkload, KindFetcher} {
		if name, ok := strings.CutPrefix(file, FileName(k, "")); ok && name != "" {
			return k, name, true
		}
	}
	return "", "", false
}
