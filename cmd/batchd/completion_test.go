package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// completionScript returns `batchd completion shell`'s script, saved in a file.
func completionScript(t *testing.T, shell string) (string, string) {
	t.Helper()
	code, out, errOut := run(t, time.Minute, "completion", shell)
	if code != exitOK || errOut != "" {
		t.Fatalf("batchd completion %s: exit %d\n%s", shell, code, errOut)
	}
	path := filepath.Join(t.TempDir(), "batchd."+shell)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, out
}

// TestBashCompletion sources the bash script and drives its function as
// bash's completion would, with COMP_WORDS and COMP_CWORD.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on this machine")
	}
	script, _ := completionScript(t, "bash")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cluster.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		words []string // the last is the word completed
		want  string
	}{
		{"command", []string{"batchd", "val"}, "validate"},
		{"commands", []string{"batchd", "l"}, "local-cluster"},
		{"run's flags", []string{"batchd", "--"}, "--config --fresh --log-format --quiet --verbose"},
		{"a command's flags", []string{"batchd", "results", "--f"}, "--format"},
		{"choices", []string{"batchd", "results", "--config", "c.toml", "--format", ""}, "jsonl csv table"},
		{"log formats", []string{"batchd", "validate", "--log-format", "j"}, "json"},
		{"flag=value", []string{"batchd", "--log-format", "=", "t"}, "text"},
		{"files", []string{"batchd", "--config", dir + "/clu"}, dir + "/cluster.toml"},
		{"a value of no list", []string{"batchd", "local-cluster", "--listen", ""}, ""},
		{"help's commands", []string{"batchd", "help", "v"}, "validate version"},
		{"shells", []string{"batchd", "completion", ""}, "bash zsh"},
		{"no such command", []string{"batchd", "frob", "--"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c",
				`source "$1"; shift; complete -p batchd >/dev/null || exit 3; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); _batchd; echo "${COMPREPLY[*]}"`,
				"bash", script)
			cmd.Args = append(cmd.Args, tt.words...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("completing %q: %q, want %q", tt.words, got, tt.want)
			}
		})
	}
}

// TestCompletionListsEveryFlag checks that both scripts name every
// command and every flag of each (they are made from the same tables as
// the help), and that zsh reads its script when zsh is installed.
func TestCompletionListsEveryFlag(t *testing.T) {
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			path, script := completionScript(t, shell)
			for _, c := range commands {
				if !strings.Contains(script, "\t"+c.name+")") {
					t.Errorf("no case for command %s", c.name)
				}
				for _, f := range completionFlags(c.name) {
					if !strings.Contains(script, f.name) {
						t.Errorf("command %s: flag %s missing", c.name, f.name)
					}
				}
			}
			if shell == "zsh" {
				for _, want := range []string{"#compdef batchd\n", "_describe -t commands", "'--format=[", ":FORMAT:(jsonl csv table)'", "compdef _batchd batchd\n"} {
					if !strings.Contains(script, want) {
						t.Errorf("zsh script has no %q", want)
					}
				}
				zsh, err := exec.LookPath("zsh")
				if err != nil {
					t.Log("no zsh on this machine: its script's shape only is checked")
					return
				}
				if out, err := exec.Command(zsh, "-n", path).CombinedOutput(); err != nil {
					t.Errorf("zsh -n: %v\n%s", err, out)
				}
			}
		})
	}
}

// TestCompletionUsage checks what batchd says when the shell is missing or unknown.
func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "fish"}, {"completion", "bash", "zsh"}} {
		code, out, errOut := run(t, time.Minute, args...)
		want := "batchd: batchd completion needs a shell, bash or zsh: source <(batchd completion bash)\n"
		if code != exitUsage || out != "" || errOut != want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", args, code, out, errOut, want)
		}
	}
}
