package ftptest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fake is a small in-process FTP server for fault injection: it speaks
// just what jlaffaye/ftp sends for a download (USER, PASS, FEAT, TYPE,
// EPSV, PASV, SIZE, MDTM, REST, RETR, CWD, QUIT), serves Files from memory
// without TLS, and lets a test drop a data connection after N bytes, leave
// a command unanswered or answer what it likes. It records what it saw.
type Fake struct {
	// Addr is host:port of the control connection.
	Addr           string
	User, Password string

	opts FakeOptions
	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	counts   map[string]int
	commands []string
	rests    []int64
	active   int
	peak     int
}

// FakeOptions shape a Fake. Every function field may be nil.
type FakeOptions struct {
	// Files are served by path as the client names it; Dirs are folders.
	Files map[string][]byte
	Dirs  []string
	// ModTimes, when not nil, are the files' modification times: FEAT
	// then lists MDTM, which answers with them (a file without one gets
	// 550). With ModTimes nil the server has no MDTM, as some do not.
	ModTimes map[string]time.Time
	// NoEPSV answers EPSV with 502, so the client falls back to PASV.
	NoEPSV bool
	// Reply, when it returns a non-empty line such as "421 busy", sends
	// that line instead of handling the command. n counts the commands of
	// that name so far, from 1. The empty reply "-" leaves the command
	// unanswered: the client waits until it gives up.
	Reply func(cmd string, n int) string
	// DropAfter returns how many bytes RETR number n (from 1) sends before
	// the server closes the data connection and answers 426; -1 sends all.
	DropAfter func(n int) int64
	// StallAfter returns how many bytes RETR number n sends before the
	// server stops sending without closing anything; -1 never stalls.
	StallAfter func(n int) int64
}

// NewFake starts a Fake on 127.0.0.1:0 with user "batchd", password
// "secret". It is stopped, and its goroutines waited for, when the test ends.
func NewFake(t testing.TB, opts FakeOptions) *Fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Fake{
		Addr: ln.Addr().String(), User: "batchd", Password: "secret",
		opts: opts, ln: ln, done: make(chan struct{}),
		conns: map[net.Conn]struct{}{}, counts: map[string]int{},
	}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

// URL returns ftp://user:password@addr/name.
func (f *Fake) URL(name string) string {
	return "ftp://" + f.User + ":" + f.Password + "@" + f.Addr + "/" + strings.TrimPrefix(name, "/")
}

// Commands returns the commands received so far, in order, with arguments
// (PASS arguments hidden).
func (f *Fake) Commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

// Count returns how many times cmd was received.
func (f *Fake) Count(cmd string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[cmd]
}

// RestOffsets returns the offsets of the REST commands received.
func (f *Fake) RestOffsets() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.rests...)
}

// PeakTransfers returns the most RETR transfers in progress at once. A
// transfer ends before its 226 is sent, so a client that waits for the
// reply before starting another is never counted twice.
func (f *Fake) PeakTransfers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

func (f *Fake) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.track(c) {
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer f.untrack(c)
			s := &fakeSession{f: f, conn: c, r: bufio.NewReader(c)}
			s.serve()
		}()
	}
}

// track registers c for closing at shutdown; false once shut down.
func (f *Fake) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.done:
		c.Close()
		return false
	default:
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Fake) untrack(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
	c.Close()
}

func (f *Fake) close() {
	f.mu.Lock()
	close(f.done)
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.ln.Close()
	f.wg.Wait()
}

// note records a command and returns its count.
func (f *Fake) note(cmd, line string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[cmd]++
	f.commands = append(f.commands, line)
	return f.counts[cmd]
}
