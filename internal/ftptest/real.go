// Package ftptest starts FTP servers for tests, on 127.0.0.1 with a random
// control port and passive port range, serving a t.TempDir(): two real ones
// run as child processes of the test — Debian's pyftpdlib (Start: a
// virtual user with a password) and vsftpd (StartVsftpd: anonymous, as
// root) — both with optional explicit TLS using a certificate the test
// generates; and a small in-process one (NewFake) that injects faults the
// real servers cannot (a data connection dropped or stalled after N bytes,
// a command never answered, any reply). The fake supplements the real
// servers; it never replaces them.
package ftptest

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/tlstest"
)

//go:embed pyftpd.py
var pyftpdScript []byte

// Python is the interpreter the real server runs under: Debian's, since
// python3-pyftpdlib installs into its dist-packages.
var Python = "/usr/bin/python3"

// Options shape a real server.
type Options struct {
	// User and Password of the one account; defaults "batchd" and a random password.
	User, Password string
	// TLS enables explicit FTPS (AUTH TLS) with a fresh self-signed certificate.
	TLS bool
	// RequireTLS refuses logins and transfers that are not protected by TLS.
	RequireTLS bool
}

// Server is a running real FTP server. Its files live under Root.
type Server struct {
	// Addr is host:port of the control connection.
	Addr string
	// Root is the folder the user is served (and logs in to).
	Root           string
	User, Password string
	// Cert is set when the server speaks TLS: the server's certificate
	// and key, and the CA that signed it (trust Cert.CAFile: ca_file).
	Cert *tlstest.PKI

	logPath string
}

// Log returns what the server logged so far, commands included. Both
// servers log a command when it arrives, before they answer it.
func (s *Server) Log(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // vsftpd creates it on the first connection
		t.Fatal(err)
	}
	return string(b)
}

// Commands returns the commands in a log returned by Log (or a part of
// one), with their arguments, in order, for either server.
func Commands(log string) []string {
	var cmds []string
	for _, line := range strings.Split(log, "\n") {
		// pyftpdlib: "DEBUG:pyftpdlib:127.0.0.1:5555-[user] <- RETR a"
		if _, c, ok := strings.Cut(line, "] <- "); ok {
			cmds = append(cmds, c)
			continue
		}
		// vsftpd: `... FTP command: Client "127.0.0.1", "RETR a"`
		if _, c, ok := strings.Cut(line, "FTP command: Client "); ok {
			if _, q, ok := strings.Cut(c, ", \""); ok {
				cmds = append(cmds, strings.TrimSuffix(q, "\""))
			}
		}
	}
	return cmds
}

// Start runs pyftpdlib serving a fresh t.TempDir() and returns once the
// server answers on its control port. It is stopped when the test ends.
// Without python3-pyftpdlib the test is skipped, unless the CI environment
// variable is set: then it fails.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if err := exec.Command(Python, "-c", "import pyftpdlib, OpenSSL").Run(); err != nil {
		msg := fmt.Sprintf("the real FTP server needs %s with pyftpdlib and pyOpenSSL (apt-get install python3-pyftpdlib python3-openssl): %v", Python, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{Root: t.TempDir(), User: opts.User, Password: opts.Password}
	if s.User == "" {
		s.User = "batchd"
	}
	if s.Password == "" {
		s.Password = fmt.Sprintf("pw-%016x", rand.Uint64())
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "pyftpd.py")
	if err := os.WriteFile(script, pyftpdScript, 0o600); err != nil {
		t.Fatal(err)
	}
	// A random passive range; pyftpdlib falls back to a kernel-chosen port
	// when every port in it is taken.
	first := 20000 + rand.IntN(30000)
	args := []string{script, "--root", s.Root, "--user", s.User, "--password", s.Password,
		"--passive", fmt.Sprintf("%d-%d", first, first+31)}
	if opts.TLS || opts.RequireTLS {
		c := tlstest.New(t)
		s.Cert = &c
		args = append(args, "--cert", c.CertFile, "--key", c.KeyFile)
		if opts.RequireTLS {
			args = append(args, "--require-tls")
		}
	}
	cmd := exec.Command(Python, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "server.log")
	s.logPath = logPath
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting pyftpdlib: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close() // the script exits when its stdin closes
		done := make(chan struct{})
		timer := time.AfterFunc(5*time.Second, func() { cmd.Process.Kill() })
		go func() { defer close(done); cmd.Wait() }()
		<-done
		timer.Stop()
		logFile.Close()
	})
	port, err := readPort(stdout)
	if err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("starting pyftpdlib: %v; its log:\n%s", err, log)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitReady(s.Addr); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("pyftpdlib on %s: %v; its log:\n%s", s.Addr, err, log)
	}
	return s
}

// readPort reads the "PORT n" line the script prints once it listens, then
// drains stdout so the script never blocks on it.
func readPort(r io.Reader) (int, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("reading its port: %w", err)
	}
	go io.Copy(io.Discard, br) // ends when the process exits
	p, ok := strings.CutPrefix(strings.TrimSpace(line), "PORT ")
	if !ok {
		return 0, fmt.Errorf("unexpected first line %q", line)
	}
	return strconv.Atoi(p)
}

// waitReady connects to addr and reads the 220 greeting.
func waitReady(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tc := textproto.NewConn(conn)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return fmt.Errorf("reading the greeting: %w", err)
	}
	tc.PrintfLine("QUIT")
	return nil
}

// URL returns scheme://host:port/name without credentials.
func (s *Server) URL(scheme, name string) string {
	return scheme + "://" + s.Addr + "/" + strings.TrimPrefix(name, "/")
}

// WriteFile puts data at name under the served root, making parent folders.
func (s *Server) WriteFile(t testing.TB, name string, data []byte) {
	t.Helper()
	p := s.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// SetModTime sets the modification time of name under the served root,
// which both servers report in MDTM (in UTC, to the second), as a program
// that preserves times (touch -d, an upload with MFMT) would.
func (s *Server) SetModTime(t testing.TB, name string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(s.path(name), time.Time{}, mtime); err != nil {
		t.Fatal(err)
	}
}

// path is where name lives on disk.
func (s *Server) path(name string) string {
	return filepath.Join(s.Root, filepath.FromSlash(name))
}
