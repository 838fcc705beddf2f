package hdfstest

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// Exception classes the namenode answers with; the client maps the first
// two to os.ErrNotExist and os.ErrPermission.
const (
	fileNotFound  = "java.io.FileNotFoundException"
	accessControl = "org.apache.hadoop.security.AccessControlException"
	noSuchMethod  = "org.apache.hadoop.ipc.RpcNoSuchMethodException"
	illegalArg    = "org.apache.hadoop.HadoopIllegalArgumentException"
	ioException   = "java.io.IOException"
)

// remoteError is an exception the namenode sends back to the client.
type remoteError struct {
	class string
	msg   string
}

func (e *remoteError) Error() string { return e.class + ": " + e.msg }

// inode is a file or directory of the namespace.
type inode struct {
	id       uint64
	name     string
	dir      bool
	perm     uint32
	owner    string
	group    string
	mtime    time.Time
	children map[string]*inode // directories
	blocks   []*block          // files
	length   int64
	denied   bool
}

// block is one block of a file, held by the datanodes in replicas.
type block struct {
	id       uint64
	gen      uint64
	offset   int64
	data     []byte
	replicas []int
}

// namespace is the namenode's file tree and block map.
type namespace struct {
	mu        sync.RWMutex
	root      *inode
	blocks    map[uint64]*block
	nextID    uint64
	placement int // rotates replica placement across datanodes
	owner     string
	group     string
}

func newNamespace(owner, group string) *namespace {
	ns := &namespace{blocks: map[uint64]*block{}, nextID: 16385, owner: owner, group: group}
	ns.root = ns.newInode("", true, 0o755)
	return ns
}

func (ns *namespace) newInode(name string, dir bool, perm uint32) *inode {
	ns.nextID++
	n := &inode{id: ns.nextID, name: name, dir: dir, perm: perm, owner: ns.owner, group: ns.group, mtime: time.Now()}
	if dir {
		n.children = map[string]*inode{}
	}
	return n
}

// components splits an absolute HDFS path into its names.
func components(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, &remoteError{illegalArg, fmt.Sprintf("path %q is not absolute", p)}
	}
	p = path.Clean(p)
	if p == "/" {
		return nil, nil
	}
	return strings.Split(p[1:], "/"), nil
}

// lookup finds the inode at p, or nil when there is none. A denied
// directory on the way is an AccessControlException; a denied inode itself
// is returned for the caller to judge. Callers hold ns.mu.
func (ns *namespace) lookup(p, user string) (*inode, error) {
	names, err := components(p)
	if err != nil {
		return nil, err
	}
	n := ns.root
	for i, name := range names {
		if n.denied {
			return nil, denied(user, "/"+strings.Join(names[:i], "/"))
		}
		if !n.dir {
			return nil, nil
		}
		n = n.children[name]
		if n == nil {
			return nil, nil
		}
	}
	return n, nil
}

func denied(user, p string) error {
	return &remoteError{accessControl, fmt.Sprintf("Permission denied: user=%s, access=READ_EXECUTE, inode=%q", user, p)}
}

// mkdirs creates p and its missing parents. Callers hold ns.mu for writing.
func (ns *namespace) mkdirs(p string, perm uint32) (*inode, error) {
	names, err := components(p)
	if err != nil {
		return nil, err
	}
	n := ns.root
	for i, name := range names {
		c := n.children[name]
		if c == nil {
			c = ns.newInode(name, true, perm)
			n.children[name] = c
		}
		if !c.dir {
			return nil, fmt.Errorf("creating %s: /%s is a file", p, strings.Join(names[:i+1], "/"))
		}
		n = c
	}
	return n, nil
}

// put stores a file at p, splitting r into blocks of blockSize placed on
// replication of the datanodes.
func (ns *namespace) put(p string, r io.Reader, perm uint32, blockSize int64, replication, datanodes int) error {
	names, err := components(p)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return errors.New("putting /: is the root directory")
	}
	f := &inode{name: names[len(names)-1], perm: perm, mtime: time.Now()}
	for {
		buf := make([]byte, blockSize)
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			f.blocks = append(f.blocks, &block{offset: f.length, data: buf[:k:k]})
			f.length += int64(k)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("putting %s: %w", p, err)
		}
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	parent, err := ns.mkdirs(path.Dir(path.Clean(p)), 0o755)
	if err != nil {
		return err
	}
	if old := parent.children[f.name]; old != nil {
		if old.dir {
			return fmt.Errorf("putting %s: is a directory", p)
		}
		for _, b := range old.blocks {
			delete(ns.blocks, b.id)
		}
	}
	ns.nextID++
	f.id, f.owner, f.group = ns.nextID, ns.owner, ns.group
	for _, b := range f.blocks {
		ns.nextID++
		b.id, b.gen = ns.nextID, 1001
		for j := 0; j < replication; j++ {
			b.replicas = append(b.replicas, (ns.placement+j)%datanodes)
		}
		ns.placement++
		ns.blocks[b.id] = b
	}
	parent.children[f.name] = f
	parent.mtime = f.mtime
	return nil
}

// sortedChildren returns the names in directory n in byte order, as HDFS
// lists them.
func sortedChildren(n *inode) []string {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
