package config

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// resolve makes relative paths absolute against c.Dir, fills in the default
// plugin folders and reads the framework secret.
func (c *Config) resolve(p *problems) {
	c.State.Dir = c.abs(c.State.Dir)
	for i := range c.Jobs {
		c.Jobs[i].Output = c.abs(c.Jobs[i].Output)
	}
	if len(c.Plugins.Dirs) == 0 {
		exe, _ := os.Executable() // without it only the config-relative folder is searched
		c.Plugins.Dirs = DefaultPluginDirs(exe, c.Dir)
	} else {
		for i, dir := range c.Plugins.Dirs {
			c.Plugins.Dirs[i] = c.abs(dir)
		}
	}
	c.resolveTLS(p)
	if c.Cluster.SecretFile != "" {
		c.Cluster.SecretFile = c.abs(c.Cluster.SecretFile)
		secret, err := readSecret(c.Cluster.SecretFile)
		if err != nil {
			p.add("cluster.secret_file", err)
		}
		c.Cluster.Secret = secret
	}
}

// abs resolves path against the config file's folder.
func (c *Config) abs(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// readSecret reads a secret file, dropping one trailing newline. Its errors
// name the file, never the contents.
func readSecret(path string) (Secret, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading secret: %w", err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", fmt.Errorf("reading secret: %s is empty", path)
	}
	return Secret(s), nil
}

// DefaultPluginDirs returns the plugin folders used when [plugins] dirs is
// not set: "plugins" next to the batchd executable exe (skipped when exe is
// empty), then "bin/plugins" under base, the config file's folder.
func DefaultPluginDirs(exe, base string) []string {
	var dirs []string
	if exe != "" {
		dirs = append(dirs, filepath.Join(filepath.Dir(exe), "plugins"))
	}
	if local := filepath.Join(base, "bin", "plugins"); len(dirs) == 0 || dirs[0] != local {
		dirs = append(dirs, local) // once, when the binary is bin/batchd beside the config
	}
	return dirs
}

// FetcherSettings returns the [fetchers.<name>] table as a JSON object, or
// nil when the file has no such table.
func (c *Config) FetcherSettings(name string) json.RawMessage {
	t, ok := c.Fetchers[name]
	if !ok {
		return nil
	}
	b, err := json.Marshal(t)
	if err != nil { // Validate rejects tables JSON cannot carry.
		return nil
	}
	return b
}

// RequireJobs reports ErrNoJobs, positioned in the file, when the
// configuration has no [[job]]: running needs one, `batchd local-cluster`
// does not.
func (c *Config) RequireJobs() error {
	if len(c.Jobs) > 0 {
		return nil
	}
	p := problems{file: c.File, pos: c.pos}
	p.add("job", ErrNoJobs)
	return p.err()
}

// defaultLocalMem is half of this machine's memory, rounded down to MiB, or
// 1GiB when /proc/meminfo cannot be read.
func defaultLocalMem() Size {
	const fallback = GiB
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fallback
	}
	total, err := memTotal(data)
	if err != nil || total < 2*MiB {
		return fallback
	}
	return total / 2 / MiB * MiB
}

// memTotal parses the MemTotal line of /proc/meminfo.
func memTotal(meminfo []byte) (Size, error) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing MemTotal: %w", err)
			}
			return Size(kb) * KiB, nil
		}
	}
	return 0, errors.New("no MemTotal in meminfo")
}
