package fetch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCacheTampered runs a task (a shell in the sandbox) that writes to or
// chmods its link to a cached executable, then fetches the URI for the
// next task in the same scope: the cache must notice, fetch the URI again
// and give the next task the source's bytes in a fresh read-only file.
func TestCacheTampered(t *testing.T) {
	const script = "#!/bin/sh\necho ran\n"
	tests := []struct {
		name, task string
	}{
		{name: "appends", task: "chmod u+w tool && echo 'echo evil' >> tool"},
		{name: "overwrites with the same size and restores the mode",
			task: "chmod u+w tool && printf '#!/bin/sh\\necho bad\\n' | dd of=tool conv=notrunc status=none && chmod 0555 tool"},
		{name: "truncates", task: "chmod u+w tool && : > tool"},
		{name: "chmods only", task: "chmod 0755 tool"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, map[string][]byte{"/tool": []byte(script)})
			f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
			uri := URI{Value: srv.URL + "/tool", Executable: true, Cache: true, Scope: "fw"}
			first := t.TempDir()
			if err := f.Fetch(context.Background(), uri, first); err != nil {
				t.Fatal(err)
			}
			task := exec.Command("/bin/sh", "-c", tc.task)
			task.Dir = first
			if out, err := task.CombinedOutput(); err != nil {
				t.Fatalf("task: %v: %s", err, out)
			}
			next := t.TempDir()
			if err := f.Fetch(context.Background(), uri, next); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(next, "tool")
			if b, _ := os.ReadFile(file); string(b) != script {
				t.Errorf("next task got %q, want the source's %q", b, script)
			}
			if _, nlink, mode := inode(t, file); mode != 0o555 || nlink != 2 {
				t.Errorf("next task's file: mode %v, %d links; want 0555 shared with the cache only", mode, nlink)
			}
			if out, err := exec.Command(file).Output(); err != nil || string(out) != "ran\n" {
				t.Errorf("running the next task's file: %q, %v", out, err)
			}
			if got := srv.hits["/tool"].Load(); got != 2 {
				t.Errorf("source asked %d times, want 2 (the tampered file fetched again)", got)
			}
			srv.CloseClientConnections()
		})
	}
}

// TestCacheUntouchedIsReused: a task that only runs its link leaves the
// cached file as it was, and the next task in the scope links it without
// asking the source.
func TestCacheUntouchedIsReused(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/tool": []byte("#!/bin/sh\necho ran\n")})
	f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	uri := URI{Value: srv.URL + "/tool", Executable: true, Cache: true, Scope: "fw"}
	for i := 0; i < 3; i++ {
		sb := t.TempDir()
		if err := f.Fetch(context.Background(), uri, sb); err != nil {
			t.Fatal(err)
		}
		task := exec.Command("./tool")
		task.Dir = sb
		if out, err := task.Output(); err != nil || string(out) != "ran\n" {
			t.Fatalf("task %d: %q, %v", i, out, err)
		}
	}
	if got := srv.hits["/tool"].Load(); got != 1 {
		t.Errorf("source asked %d times, want 1", got)
	}
	srv.CloseClientConnections()
}
