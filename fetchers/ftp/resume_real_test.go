package ftpfetch

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// errCut is the read error of a data connection the test cut.
var errCut = errors.New("test: data connection cut")

// cutter cuts data connection number i (from 0) after cuts[i] raw bytes.
type cutter struct {
	mu   sync.Mutex
	cuts []int64
	n    int
}

func (c *cutter) wrap(conn net.Conn) net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	left := int64(-1)
	if c.n < len(c.cuts) {
		left = c.cuts[c.n]
	}
	c.n++
	return &cutConn{Conn: conn, left: left}
}

// cutConn fails its reads once left bytes have been read (never when left < 0).
type cutConn struct {
	net.Conn
	left int64
}

func (c *cutConn) Read(p []byte) (int, error) {
	if c.left < 0 {
		return c.Conn.Read(p)
	}
	if c.left == 0 {
		c.Conn.Close()
		return 0, errCut
	}
	p = p[:min(int64(len(p)), c.left)]
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// TestRealServerResume cuts data connections mid-transfer and checks the
// fetcher resumes with REST against each real server, plain and over TLS.
func TestRealServerResume(t *testing.T) {
	const size = 5<<20 + 99
	data, sum := fetchertest.Content(size)
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{TLS: true})
			srv.WriteFile(t, "big.bin", data)
			cases := []struct {
				name      string
				scheme    string
				cuts      []int64
				wantRests []int64 // exact offsets; nil: only count them (TLS adds framing)
			}{
				{"plain", "ftp", []int64{1<<20 + 5, 2 << 20}, []int64{1<<20 + 5, 3<<20 + 5}},
				{"tls", "ftps", []int64{300000, 700000}, nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					logStart := len(srv.Log(t))
					f := New(testConfig())
					configure(t, f, `{"insecure_skip_verify": true}`)
					f.wrapData = (&cutter{cuts: tc.cuts}).wrap
					res, dest, err := fetchertest.Fetch(t, context.Background(), f, withUser(srv, tc.scheme, "big.bin", srv.User, srv.Password), nil)
					if err != nil {
						t.Fatal(err)
					}
					if res.Size != size || res.SHA256 != sum {
						t.Errorf("got size %d sha256 %s, want %d %s", res.Size, res.SHA256, size, sum)
					}
					fetchertest.CheckFile(t, dest, sum)
					var rests []int64
					for _, c := range ftptest.Commands(srv.Log(t)[logStart:]) {
						if off, ok := strings.CutPrefix(c, "REST "); ok {
							n, err := strconv.ParseInt(off, 10, 64)
							if err != nil {
								t.Fatalf("bad %q", c)
							}
							rests = append(rests, n)
						}
					}
					if len(rests) != len(tc.cuts) {
						t.Fatalf("REST offsets %v, want %d of them", rests, len(tc.cuts))
					}
					for i, off := range rests {
						if tc.wantRests != nil && off != tc.wantRests[i] {
							t.Errorf("REST offsets %v, want %v", rests, tc.wantRests)
						}
						if off <= 0 || off >= size || i > 0 && off <= rests[i-1] {
							t.Errorf("REST offsets %v do not advance through the file", rests)
						}
					}
				})
			}
		})
	}
}
