package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "s3cr3t-Value-42"

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	abs := write("abs.secret", testSecret+"\n")
	write("rel.secret", testSecret)
	write("crlf.secret", testSecret+"\r\n")
	write("empty.secret", "\n")
	unreadable := write("unreadable.secret", testSecret)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		toml    string
		wantErr string // substring; "" means success
	}{
		{"absolute path with newline", fmt.Sprintf("[cluster]\nprincipal = \"p\"\nsecret_file = %q\n", abs), ""},
		{"relative to the config", "[cluster]\nprincipal = \"p\"\nsecret_file = \"rel.secret\"\n", ""},
		{"crlf", "[cluster]\nprincipal = \"p\"\nsecret_file = \"crlf.secret\"\n", ""},
		{"missing file", "[cluster]\nprincipal = \"p\"\nsecret_file = \"nope.secret\"\n",
			"cluster.toml:3:1: cluster.secret_file: reading secret: open " + filepath.Join(dir, "nope.secret")},
		{"empty file", "[cluster]\nprincipal = \"p\"\nsecret_file = \"empty.secret\"\n", "cluster.toml:3:1: cluster.secret_file: reading secret: "},
		{"no principal", "[cluster]\nsecret_file = \"rel.secret\"\n", "cluster.toml:2:1: cluster.secret_file: needs cluster.principal"},
		{"other problems", "[cluster]\nprincipal = \"p\"\nsecret_file = \"rel.secret\"\ncodec = \"xml\"\n", "cluster.toml:4:1: cluster.codec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(filepath.Join(dir, "cluster.toml"), []byte(tc.toml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse error = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Cluster.Secret) != testSecret {
				t.Errorf("secret = %q, want %q", string(c.Cluster.Secret), testSecret)
			}
			if !filepath.IsAbs(c.Cluster.SecretFile) {
				t.Errorf("secret file %q is not absolute", c.Cluster.SecretFile)
			}
			assertHidden(t, c)
		})
	}
	if os.Geteuid() == 0 {
		return // root reads files whatever their mode
	}
	t.Run("unreadable", func(t *testing.T) {
		_, err := Parse(filepath.Join(dir, "cluster.toml"), []byte("[cluster]\nprincipal = \"p\"\nsecret_file = \"unreadable.secret\"\n"))
		if err == nil || !strings.Contains(err.Error(), "cluster.toml:3:1: cluster.secret_file: reading secret") {
			t.Fatalf("Parse error = %v, want a positioned read error", err)
		}
	})
}

// assertHidden checks that no usual way of printing c shows the secret.
func assertHidden(t *testing.T, c *Config) {
	t.Helper()
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":     c.String(),
		"Redacted":   c.Redacted(),
		"%v":         fmt.Sprintf("%v", c),
		"%+v":        fmt.Sprintf("%+v", *c),
		"%#v":        fmt.Sprintf("%#v", *c),
		"cluster %v": fmt.Sprintf("%+v", c.Cluster),
		"secret %s":  fmt.Sprintf("%s", c.Cluster.Secret),
		"secret %q":  fmt.Sprintf("%q", c.Cluster.Secret),
		"secret %x":  fmt.Sprintf("%x", c.Cluster.Secret),
		"json":       string(js),
	}
	for how, out := range outputs {
		if strings.Contains(out, testSecret) || strings.Contains(out, fmt.Sprintf("%x", testSecret)) {
			t.Errorf("%s shows the secret: %s", how, out)
		}
	}
	if !strings.Contains(c.Redacted(), redacted) {
		t.Errorf("Redacted does not mention the hidden secret:\n%s", c.Redacted())
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "conf", "cluster.toml")
	for _, tc := range []struct {
		name, toml string
		state      string
		plugins    []string
	}{
		{"default state dir", "", filepath.Join(dir, "conf", ".batchd"), nil},
		{"relative", "[state]\ndir = \"var/state\"\n[plugins]\ndirs = [\"p\", \"../q\"]\n",
			filepath.Join(dir, "conf", "var", "state"), []string{filepath.Join(dir, "conf", "p"), filepath.Join(dir, "q")}},
		{"absolute", "[state]\ndir = \"/srv/batchd\"\n[plugins]\ndirs = [\"/opt/p\"]\n", "/srv/batchd", []string{"/opt/p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(name, []byte(tc.toml))
			if err != nil {
				t.Fatal(err)
			}
			if c.State.Dir != tc.state {
				t.Errorf("state dir = %q, want %q", c.State.Dir, tc.state)
			}
			if tc.plugins != nil && strings.Join(c.Plugins.Dirs, ",") != strings.Join(tc.plugins, ",") {
				t.Errorf("plugin dirs = %q, want %q", c.Plugins.Dirs, tc.plugins)
			}
		})
	}
	t.Run("relative config name", func(t *testing.T) {
		c, err := Parse("cluster.toml", nil)
		if err != nil {
			t.Fatal(err)
		}
		wd, _ := os.Getwd()
		if want := filepath.Join(wd, ".batchd"); c.State.Dir != want {
			t.Errorf("state dir = %q, want %q", c.State.Dir, want)
		}
	})
}

func TestDefaultPluginDirs(t *testing.T) {
	got := DefaultPluginDirs("/usr/local/bin/batchd", "/etc/batchd")
	want := []string{"/usr/local/bin/plugins", "/etc/batchd/bin/plugins"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("DefaultPluginDirs = %q, want %q", got, want)
	}
	if got := DefaultPluginDirs("", "/etc/batchd"); len(got) != 1 || got[0] != "/etc/batchd/bin/plugins" {
		t.Errorf("DefaultPluginDirs without exe = %q", got)
	}
}
