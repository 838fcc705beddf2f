// Package hdfstest runs an HDFS namenode and datanodes in-process for tests
// and demos. They speak the real wire protocols to the real client,
// github.com/colinmarc/hdfs/v2: Hadoop RPC (ClientProtocol, the read and
// list path) on the namenode and the DataTransferProtocol read path
// (OP_READ_BLOCK, CRC32C-checksummed packets) on the datanodes.
//
// Files live in memory, split into blocks of Options.BlockSize with
// replicas on Options.Replication datanodes. Faults can be injected: a
// datanode that cuts reads after some bytes, a path that denies access.
// Writing through the protocol is not served: tests populate the cluster
// with Put and Mkdir. Authentication is SIMPLE only (no Kerberos/SASL).
package hdfstest

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path"
	"sync/atomic"
	"testing"
	"time"
)

// Options shape a cluster. The zero value gives three datanodes, 1 MiB
// blocks and two replicas of each block.
type Options struct {
	// Datanodes is the number of datanodes (default 3).
	Datanodes int
	// BlockSize is the size of a full block in bytes (default 1 MiB).
	BlockSize int64
	// Replication is how many datanodes hold each block (default
	// min(2, Datanodes)).
	Replication int
	// User and Group own every file and directory (default "hdfs",
	// "supergroup").
	User, Group string
	// ListingLimit is the most entries one getListing answer holds (default
	// 1000, HDFS's dfs.ls.limit).
	ListingLimit int
	// Listen is the namenode's listen address (default "127.0.0.1:0").
	// Datanodes always listen on 127.0.0.1, port 0.
	Listen string
	// Logf receives protocol errors; nil discards them.
	Logf func(format string, args ...any)
}

func (o Options) withDefaults() Options {
	if o.Datanodes <= 0 {
		o.Datanodes = 3
	}
	if o.BlockSize <= 0 {
		o.BlockSize = 1 << 20
	}
	if o.Replication <= 0 {
		o.Replication = min(2, o.Datanodes)
	}
	o.Replication = min(o.Replication, o.Datanodes)
	if o.User == "" {
		o.User = "hdfs"
	}
	if o.Group == "" {
		o.Group = "supergroup"
	}
	if o.ListingLimit <= 0 {
		o.ListingLimit = 1000
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	return o
}

// Cluster is a running namenode and its datanodes. Its methods are safe for
// concurrent use.
type Cluster struct {
	opts       Options
	ns         *namespace
	nn         *namenode
	datanodes  []*datanode
	blockReads atomic.Int64 // OP_READ_BLOCK requests received
}

// New starts a cluster. Close stops it.
func New(opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	c := &Cluster{opts: opts, ns: newNamespace(opts.User, opts.Group)}
	for i := 0; i < opts.Datanodes; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("starting datanode %d: %w", i, err)
		}
		dn := &datanode{c: c, index: i, uuid: fmt.Sprintf("hdfstest-dn-%d", i)}
		dn.start(l, dn.serveConn)
		c.datanodes = append(c.datanodes, dn)
	}
	l, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("starting namenode on %s: %w", opts.Listen, err)
	}
	c.nn = &namenode{c: c}
	c.nn.start(l, c.nn.serveConn)
	return c, nil
}

// Start starts a cluster for the test tb and stops it when tb ends.
// Protocol errors are logged through tb unless opts.Logf is set.
func Start(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	if opts.Logf == nil {
		opts.Logf = tb.Logf
	}
	c, err := New(opts)
	if err != nil {
		tb.Fatalf("starting hdfstest cluster: %v", err)
	}
	tb.Cleanup(c.Close)
	return c
}

// Addr is the namenode's address, host:port.
func (c *Cluster) Addr() string { return c.nn.addr() }

// DatanodeAddrs are the datanodes' transfer addresses, in index order.
func (c *Cluster) DatanodeAddrs() []string {
	var addrs []string
	for _, dn := range c.datanodes {
		addrs = append(addrs, dn.addr())
	}
	return addrs
}

// Put stores data as the file p (an absolute HDFS path) with permission
// perm, creating missing parent directories and replacing an older file.
func (c *Cluster) Put(p string, data []byte, perm fs.FileMode) error {
	return c.PutReader(p, bytes.NewReader(data), perm)
}

// PutReader stores what r yields as the file p, as Put does.
func (c *Cluster) PutReader(p string, r io.Reader, perm fs.FileMode) error {
	return c.ns.put(p, r, uint32(perm.Perm()), c.opts.BlockSize, c.opts.Replication, len(c.datanodes))
}

// Mkdir creates the directory p and its missing parents.
func (c *Cluster) Mkdir(p string, perm fs.FileMode) error {
	c.ns.mu.Lock()
	defer c.ns.mu.Unlock()
	_, err := c.ns.mkdirs(p, uint32(perm.Perm()))
	return err
}

// SetModTime sets the modification time of the file or directory p, kept
// to the millisecond as HDFS keeps it, as ClientProtocol.setTimes does
// (distcp -pt, or a tool that preserves times). Put sets it to the time of
// the Put, as closing a written file does.
func (c *Cluster) SetModTime(p string, mtime time.Time) error {
	return c.change("setting the modification time of", p, func(n *inode) { n.mtime = mtime.Truncate(time.Millisecond) })
}

// BlockReads returns how many block reads (OP_READ_BLOCK requests) the
// datanodes have received: what a test counts to tell whether a client
// read a file's bytes or only asked the namenode about it.
func (c *Cluster) BlockReads() int64 { return c.blockReads.Load() }

// Deny makes p refuse access with an AccessControlException: listing it,
// reading it, and reaching anything under it. Stat of p itself still works,
// as in HDFS where a file's own mode does not hide it.
func (c *Cluster) Deny(p string) error {
	return c.change("denying", p, func(n *inode) { n.denied, n.perm = true, 0 })
}

// change applies fn to the inode at p; doing names the change in errors.
func (c *Cluster) change(doing, p string, fn func(*inode)) error {
	c.ns.mu.Lock()
	defer c.ns.mu.Unlock()
	n, err := c.ns.lookup(p, c.opts.User)
	if err != nil {
		return err
	}
	if n == nil {
		return fmt.Errorf("%s %s: %w", doing, path.Clean(p), fs.ErrNotExist)
	}
	fn(n)
	return nil
}

// FailDatanodeAfter makes datanode i reset (TCP RST) every read connection
// after n bytes written on it (the op response and packet stream), as a
// datanode dying mid-read does. n == 0 makes the datanode reset
// connections at once, as if it were down.
func (c *Cluster) FailDatanodeAfter(i int, n int64) { c.datanodes[i].failAfter(n) }

// HealDatanode undoes FailDatanodeAfter for datanode i.
func (c *Cluster) HealDatanode(i int) { c.datanodes[i].heal() }

// Close stops the namenode and the datanodes and waits for their goroutines.
func (c *Cluster) Close() {
	if c.nn != nil {
		c.nn.close()
	}
	for _, dn := range c.datanodes {
		dn.close()
	}
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

// UnreachableAddr returns a loopback address nothing listens on: a port
// that was just bound and closed again.
func UnreachableAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a closed port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
