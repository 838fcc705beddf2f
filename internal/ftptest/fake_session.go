package ftptest

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fakeSession is one control connection of a Fake.
type fakeSession struct {
	f      *Fake
	conn   net.Conn
	r      *bufio.Reader
	user   string
	pasv   net.Listener
	offset int64
}

func (s *fakeSession) reply(format string, args ...any) {
	fmt.Fprintf(s.conn, format+"\r\n", args...)
}

func (s *fakeSession) serve() {
	defer func() {
		if s.pasv != nil {
			s.pasv.Close()
		}
	}()
	s.reply("220 batchd fake ready")
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd, arg, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		shown := line
		if cmd == "PASS" {
			shown = "PASS ****"
		}
		n := s.f.note(cmd, shown)
		if s.f.opts.Reply != nil {
			if r := s.f.opts.Reply(cmd, n); r == "-" {
				continue
			} else if r != "" {
				s.reply("%s", r)
				continue
			}
		}
		if !s.handle(cmd, arg, n) {
			return
		}
	}
}

// handle answers one command; false ends the session.
func (s *fakeSession) handle(cmd, arg string, n int) bool {
	o := &s.f.opts
	switch cmd {
	case "USER":
		s.user = arg
		s.reply("331 Password required")
	case "PASS":
		if s.user != s.f.User || arg != s.f.Password {
			s.reply("530 Login incorrect.")
			return true
		}
		s.reply("230 Logged in")
	case "FEAT":
		mdtm := ""
		if o.ModTimes != nil {
			mdtm = " MDTM\r\n"
		}
		s.reply("211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n%s REST STREAM\r\n211 End", mdtm)
	case "TYPE":
		s.reply("200 Type set")
	case "QUIT":
		s.reply("221 Bye")
		return false
	case "EPSV", "PASV":
		if cmd == "EPSV" && o.NoEPSV {
			s.reply("502 EPSV not implemented")
			return true
		}
		s.openPassive(cmd)
	case "SIZE":
		if data, ok := o.Files[arg]; ok {
			s.reply("213 %d", len(data))
		} else {
			s.reply("550 %s: No such file", arg)
		}
	case "MDTM":
		if mt, ok := o.ModTimes[arg]; ok {
			s.reply("213 %s", mt.UTC().Format("20060102150405"))
		} else if o.ModTimes == nil {
			s.reply("502 MDTM not implemented")
		} else {
			s.reply("550 %s: No such file", arg)
		}
	case "CWD":
		if slices.Contains(o.Dirs, arg) {
			s.reply("250 Directory changed")
		} else {
			s.reply("550 %s: No such directory", arg)
		}
	case "REST":
		off, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || off < 0 {
			s.reply("501 Bad offset")
			return true
		}
		s.f.mu.Lock()
		s.f.rests = append(s.f.rests, off)
		s.f.mu.Unlock()
		s.offset = off
		s.reply("350 Restarting at %d", off)
	case "RETR":
		s.retr(arg, n)
	default:
		s.reply("502 %s not implemented", cmd)
	}
	return true
}

// openPassive listens for the next data connection.
func (s *fakeSession) openPassive(cmd string) {
	if s.pasv != nil {
		s.pasv.Close()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.reply("425 Cannot listen: %v", err)
		return
	}
	s.pasv = ln
	port := ln.Addr().(*net.TCPAddr).Port
	if cmd == "EPSV" {
		s.reply("229 Entering Extended Passive Mode (|||%d|)", port)
	} else {
		s.reply("227 Entering Passive Mode (127,0,0,1,%d,%d)", port>>8, port&0xff)
	}
}

// retr sends a file from the REST offset, dropping or stalling as told.
func (s *fakeSession) retr(name string, n int) {
	o := &s.f.opts
	offset := s.offset
	s.offset = 0
	data, ok := o.Files[name]
	if !ok {
		s.reply("550 %s: No such file", name)
		return
	}
	if s.pasv == nil {
		s.reply("425 Use PASV or EPSV first")
		return
	}
	ln := s.pasv
	s.pasv = nil
	defer ln.Close()
	s.reply("150 Opening data connection")
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	dc, err := ln.Accept()
	if err != nil {
		s.reply("425 No data connection")
		return
	}
	if !s.f.track(dc) {
		return
	}
	defer s.f.untrack(dc)
	s.f.mu.Lock()
	s.f.active++
	s.f.peak = max(s.f.peak, s.f.active)
	s.f.mu.Unlock()
	final := s.send(dc, data[min(offset, int64(len(data))):], n)
	s.f.mu.Lock()
	s.f.active--
	s.f.mu.Unlock()
	if final != "" {
		s.reply("%s", final)
	}
}

// send writes body on the data connection, dropping or stalling as told,
// and returns the final reply ("" for none).
func (s *fakeSession) send(dc net.Conn, body []byte, n int) string {
	o := &s.f.opts
	if o.StallAfter != nil {
		if k := o.StallAfter(n); k >= 0 && k < int64(len(body)) {
			dc.Write(body[:k])
			// Say nothing more until the client hangs up (or the fake stops).
			dc.Read(make([]byte, 1))
			return ""
		}
	}
	if o.DropAfter != nil {
		if k := o.DropAfter(n); k >= 0 && k < int64(len(body)) {
			dc.Write(body[:k])
			dc.Close()
			return "426 Connection closed; transfer aborted"
		}
	}
	if _, err := dc.Write(body); err != nil {
		return "426 Connection closed; transfer aborted"
	}
	dc.Close()
	return "226 Transfer complete"
}
