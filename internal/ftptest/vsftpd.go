package ftptest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/tlstest"
)

// Vsftpd is Debian's vsftpd binary.
var Vsftpd = "/usr/sbin/vsftpd"

// StartVsftpd runs vsftpd in the foreground serving a fresh t.TempDir()
// to anonymous logins ("anonymous", no password; any other user gets 530),
// which needs no system account or PAM set-up. It must run as root, as
// vsftpd does; sessions drop to Debian's "ftp" user, so the served folder
// is made world-readable. opts.User and opts.Password are ignored. It
// returns once the server answers and stops it when the test ends.
// Without vsftpd the test is skipped, unless CI is set: then it fails.
func StartVsftpd(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := os.Stat(Vsftpd); err != nil {
		msg := fmt.Sprintf("the vsftpd tests need %s (apt-get install vsftpd): %v", Vsftpd, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		msg := "vsftpd runs as root; the test runs as uid " + strconv.Itoa(os.Geteuid())
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{Root: t.TempDir(), User: "anonymous"}
	// Readable by the ftp user: the root and the per-test folder above it.
	for _, d := range []string{filepath.Dir(s.Root), s.Root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	s.logPath = filepath.Join(dir, "vsftpd.log")
	conf := []string{
		"listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", "background=NO",
		"anonymous_enable=YES", "local_enable=NO", "write_enable=NO", "no_anon_password=YES",
		"anon_root=" + s.Root, "secure_chroot_dir=" + empty,
		"pasv_enable=YES", "seccomp_sandbox=NO", "isolate=NO", "isolate_network=NO",
		"xferlog_enable=YES", "log_ftp_protocol=YES", "vsftpd_log_file=" + s.logPath,
	}
	if opts.TLS || opts.RequireTLS {
		c := tlstest.New(t)
		s.Cert = &c
		// require_ssl_reuse: data connections must resume the control
		// connection's TLS session, vsftpd's default and a known trap.
		conf = append(conf, "ssl_enable=YES", "allow_anon_ssl=YES", "ssl_ciphers=HIGH", "require_ssl_reuse=YES",
			"rsa_cert_file="+c.CertFile, "rsa_private_key_file="+c.KeyFile)
		if opts.RequireTLS {
			conf = append(conf, "force_anon_logins_ssl=YES", "force_anon_data_ssl=YES")
		} else {
			conf = append(conf, "force_anon_logins_ssl=NO", "force_anon_data_ssl=NO")
		}
	}
	// vsftpd cannot report a port it chose, so pick free ones and retry
	// if another process takes them first.
	var err error
	for range 5 {
		if err = s.runVsftpd(t, dir, conf); err == nil {
			return s
		}
	}
	t.Fatalf("starting vsftpd: %v", err)
	return nil
}

// runVsftpd starts vsftpd on a free port and waits for its greeting.
func (s *Server) runVsftpd(t testing.TB, dir string, conf []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	first := 20000 + rand.IntN(30000)
	conf = append(conf, "listen_port="+strconv.Itoa(port),
		"pasv_min_port="+strconv.Itoa(first), "pasv_max_port="+strconv.Itoa(first+31))
	confPath := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	outPath := filepath.Join(dir, "vsftpd.out")
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(Vsftpd, confPath)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so the per-session processes it forks are
	// stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		out.Close()
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case werr := <-exited:
			exited <- werr
			stop()
			msg, _ := os.ReadFile(outPath)
			return fmt.Errorf("vsftpd exited: %v: %s", werr, msg)
		default:
		}
		if err := waitReady(s.Addr); err == nil {
			t.Cleanup(stop)
			return nil
		} else if time.Now().After(deadline) {
			stop()
			return err
		}
		// Not listening yet: connection refused comes back at once, so
		// poll the port (bounded by the deadline above).
		time.Sleep(10 * time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
