package hdfstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"testing"

	"github.com/colinmarc/hdfs/v2"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// client connects the real HDFS client to c as user "tester".
func client(t *testing.T, addr string) *hdfs.Client {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{addr}, User: "tester"})
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func mustPut(t *testing.T, c *Cluster, p string, data []byte) {
	t.Helper()
	if err := c.Put(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadFile(t *testing.T) {
	const block = 64 << 10
	c := Start(t, Options{Datanodes: 3, BlockSize: block, Replication: 2})
	cl := client(t, c.Addr())
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"one chunk minus one", bytesPerChecksum - 1},
		{"exactly one block", block},
		{"several blocks and a tail", 5*block + 1234},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := randomBytes(tt.size, uint64(i))
			p := fmt.Sprintf("/data/%d.bin", i)
			mustPut(t, c, p, want)
			got, err := cl.ReadFile(p)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes differing from the %d put", len(got), len(want))
			}
			fi, err := cl.Stat(p)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if fi.Size() != int64(tt.size) || fi.IsDir() || fi.Mode().Perm() != 0o644 || fi.Name() != fmt.Sprintf("%d.bin", i) {
				t.Errorf("Stat = %s size %d mode %v", fi.Name(), fi.Size(), fi.Mode())
			}
		})
	}
}

func TestSeekAndReadAt(t *testing.T) {
	c := Start(t, Options{BlockSize: 10_000})
	cl := client(t, c.Addr())
	want := randomBytes(35_000, 9)
	mustPut(t, c, "/f", want)
	f, err := cl.Open("/f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, off := range []int64{0, 1, 511, 513, 9_999, 10_000, 21_007, 34_999} {
		buf := make([]byte, min(3000, int64(len(want))-off))
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("ReadAt(%d): %v", off, err)
		}
		if !bytes.Equal(buf, want[off:off+int64(len(buf))]) {
			t.Errorf("ReadAt(%d) returned other bytes", off)
		}
	}
}

func TestFileSpansDatanodes(t *testing.T) {
	// One replica per block: reading the file needs every datanode.
	c := Start(t, Options{Datanodes: 3, BlockSize: 4096, Replication: 1})
	cl := client(t, c.Addr())
	want := randomBytes(6*4096+10, 3)
	mustPut(t, c, "/spread", want)
	got, err := cl.ReadFile("/spread")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile: %v (equal %v)", err, bytes.Equal(got, want))
	}
	// With one datanode dead, the blocks it alone holds cannot be read.
	c.FailDatanodeAfter(1, 0)
	if _, err := cl.ReadFile("/spread"); err == nil {
		t.Fatal("ReadFile succeeded with a datanode holding the only replica dead")
	}
}

func TestReplicaFailover(t *testing.T) {
	for _, cut := range []int64{0, 1, 100, 70_000} {
		t.Run(fmt.Sprintf("cut after %d bytes", cut), func(t *testing.T) {
			c := Start(t, Options{Datanodes: 2, BlockSize: 256 << 10, Replication: 2})
			cl := client(t, c.Addr())
			want := randomBytes(600<<10, 4)
			mustPut(t, c, "/big", want)
			c.FailDatanodeAfter(0, cut)
			got, err := cl.ReadFile("/big")
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("bytes differ after failover")
			}
		})
	}
}

func TestReadDir(t *testing.T) {
	c := Start(t, Options{ListingLimit: 7})
	cl := client(t, c.Addr())
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("f%02d", i)
		want = append(want, name)
		mustPut(t, c, "/dir/"+name, []byte(name))
	}
	if err := c.Mkdir("/dir/sub", 0o750); err != nil {
		t.Fatal(err)
	}
	want = append(want, "sub")
	fis, err := cl.ReadDir("/dir")
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	var got []string
	for _, fi := range fis {
		got = append(got, fi.Name())
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ReadDir = %v, want %v", got, want)
	}
	last := fis[len(fis)-1]
	if !last.IsDir() || last.Mode().Perm() != 0o750 {
		t.Errorf("sub: dir %v mode %v", last.IsDir(), last.Mode())
	}
	fi, err := cl.Stat("/dir")
	if err != nil || !fi.IsDir() {
		t.Fatalf("Stat(/dir) = %v, %v", fi, err)
	}
}

func TestErrors(t *testing.T) {
	c := Start(t, Options{})
	cl := client(t, c.Addr())
	mustPut(t, c, "/secret/file", []byte("x"))
	mustPut(t, c, "/locked", []byte("y"))
	for _, p := range []string{"/secret", "/locked"} {
		if err := c.Deny(p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"stat missing", func() error { _, err := cl.Stat("/nope"); return err }, fs.ErrNotExist},
		{"open missing", func() error { _, err := cl.Open("/nope/deeper"); return err }, fs.ErrNotExist},
		{"readdir missing", func() error { _, err := cl.ReadDir("/nope"); return err }, fs.ErrNotExist},
		{"stat under denied", func() error { _, err := cl.Stat("/secret/file"); return err }, fs.ErrPermission},
		{"readdir denied", func() error { _, err := cl.ReadDir("/secret"); return err }, fs.ErrPermission},
		{"read denied file", func() error { _, err := cl.ReadFile("/locked"); return remoteAsErr(err) }, fs.ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// remoteAsErr maps an AccessControlException that the client passes through
// unmapped (reads of a denied file fail in getBlockLocations) to
// fs.ErrPermission.
func remoteAsErr(err error) error {
	var re hdfs.Error
	if errors.As(err, &re) && re.Exception() == accessControl {
		return fs.ErrPermission
	}
	return err
}

func TestServerDefaultsAndSummary(t *testing.T) {
	c := Start(t, Options{BlockSize: 4096, Replication: 3, Datanodes: 3})
	cl := client(t, c.Addr())
	mustPut(t, c, "/a/b", make([]byte, 10_000))
	d, err := cl.ServerDefaults()
	if err != nil {
		t.Fatalf("ServerDefaults: %v", err)
	}
	if d.BlockSize != 4096 || d.Replication != 3 || d.BytesPerChecksum != 512 {
		t.Errorf("defaults = %+v", d)
	}
	cs, err := cl.GetContentSummary("/a")
	if err != nil {
		t.Fatalf("GetContentSummary: %v", err)
	}
	if cs.Size() != 10_000 || cs.FileCount() != 1 || cs.DirectoryCount() != 1 {
		t.Errorf("summary: size %d files %d dirs %d", cs.Size(), cs.FileCount(), cs.DirectoryCount())
	}
}

func TestUnsupportedMethod(t *testing.T) {
	c := Start(t, Options{})
	cl := client(t, c.Addr())
	err := cl.Mkdir("/x", 0o755)
	var re hdfs.Error
	if !errors.As(err, &re) || re.Exception() != noSuchMethod {
		t.Fatalf("Mkdir error = %v, want %s", err, noSuchMethod)
	}
}

func TestUnreachable(t *testing.T) {
	_, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{UnreachableAddr(t)}, User: "u"})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
}
