package ftptest

import (
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"
)

// login logs in to addr and returns the control connection.
func login(t *testing.T, addr, user, password string) *textproto.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := textproto.NewConn(c)
	t.Cleanup(func() { tc.Close() })
	if _, _, err := tc.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Cmd("USER %s", user); err != nil {
		t.Fatal(err)
	}
	// vsftpd logs anonymous in without a password.
	code, msg, err := tc.ReadResponse(0)
	if code == 230 {
		return tc
	}
	if code != 331 {
		t.Fatalf("USER: %v %d %s", err, code, msg)
	}
	if _, err := tc.Cmd("PASS %s", password); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := tc.ReadResponse(230); err != nil {
		t.Fatalf("PASS: %v %s", err, msg)
	}
	return tc
}

// TestStart logs in to the real server and finds the session in its log.
func TestStart(t *testing.T) {
	s := Start(t, Options{TLS: true})
	if s.Cert == nil {
		t.Fatal("TLS server without a certificate")
	}
	login(t, s.Addr, s.User, s.Password)
	// pyftpdlib logs a command before handling it, so it is there once the reply is.
	if log := s.Log(t); !strings.Contains(log, "<- PASS ******") {
		t.Errorf("server log lacks the login:\n%s", log)
	}
}

// TestFakeDrop retrieves from the fake with a drop after 3 bytes, then
// resumes with REST.
func TestFakeDrop(t *testing.T) {
	f := NewFake(t, FakeOptions{
		Files: map[string][]byte{"f": []byte("hello world")},
		DropAfter: func(n int) int64 {
			if n == 1 {
				return 3
			}
			return -1
		},
	})
	tc := login(t, f.Addr, f.User, f.Password)
	retr := func(rest int64) (string, int) {
		t.Helper()
		tc.Cmd("EPSV")
		_, msg, err := tc.ReadResponse(229)
		if err != nil {
			t.Fatal(err)
		}
		port := strings.Trim(msg[strings.Index(msg, "(|||"):], "(|)")
		if rest > 0 {
			tc.Cmd("REST %d", rest)
			if _, _, err := tc.ReadResponse(350); err != nil {
				t.Fatal(err)
			}
		}
		dc, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatal(err)
		}
		defer dc.Close()
		tc.Cmd("RETR f")
		if _, _, err := tc.ReadResponse(150); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(dc)
		code, _, _ := tc.ReadResponse(0)
		return string(b), code
	}
	if got, code := retr(0); got != "hel" || code != 426 {
		t.Errorf("first RETR: %q, %d; want \"hel\", 426", got, code)
	}
	if got, code := retr(3); got != "lo world" || code != 226 {
		t.Errorf("resumed RETR: %q, %d; want \"lo world\", 226", got, code)
	}
	if got := f.RestOffsets(); !slices.Equal(got, []int64{3}) {
		t.Errorf("REST offsets %v, want [3]", got)
	}
}

// TestModTime checks that MDTM reports what SetModTime (real servers) or
// ModTimes (the fake) set, in UTC to the second, and that the fake without
// ModTimes has no MDTM.
func TestModTime(t *testing.T) {
	mtime := time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("X", 5*3600))
	const want = "20240229185958"
	real := func(start func(testing.TB, Options) *Server) func(t *testing.T) (string, string, string) {
		return func(t *testing.T) (string, string, string) {
			s := start(t, Options{})
			s.WriteFile(t, "d/f", []byte("x"))
			s.SetModTime(t, "d/f", mtime)
			return s.Addr, s.User, s.Password
		}
	}
	cases := []struct {
		name     string
		start    func(t *testing.T) (addr, user, password string)
		wantCode int
		wantMsg  string
	}{
		{"pyftpdlib", real(Start), 213, want},
		{"vsftpd", real(StartVsftpd), 213, want},
		{"fake", func(t *testing.T) (string, string, string) {
			f := NewFake(t, FakeOptions{Files: map[string][]byte{"d/f": []byte("x")}, ModTimes: map[string]time.Time{"d/f": mtime}})
			return f.Addr, f.User, f.Password
		}, 213, want},
		{"fake without MDTM", func(t *testing.T) (string, string, string) {
			f := NewFake(t, FakeOptions{Files: map[string][]byte{"d/f": []byte("x")}})
			return f.Addr, f.User, f.Password
		}, 502, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, user, password := tc.start(t)
			c := login(t, addr, user, password)
			if _, err := c.Cmd("MDTM d/f"); err != nil {
				t.Fatal(err)
			}
			code, msg, _ := c.ReadResponse(0)
			if code != tc.wantCode || tc.wantMsg != "" && msg != tc.wantMsg {
				t.Errorf("MDTM: %d %q, want %d %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}
