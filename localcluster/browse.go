package localcluster

import (
	"io/fs"
	"net/http"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// serveBrowse is /files/browse?path=P: the entries of the folder P as a JSON
// array sorted by path, each as Mesos's model(FileInfo) (src/common/http.cpp):
// gid, mode ("drwxr-xr-x"), mtime (whole seconds), nlink, path (P joined
// with the entry's name), size and uid, of the entry a symlink points to.
// A file, or a folder that cannot be listed, lists as [].
func (a *agent) serveBrowse(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("path")
	if p == "" {
		httpError(w, "Expecting 'path=value' in query.\n", http.StatusBadRequest)
		return
	}
	dir, err := a.resolve(p)
	if dir == "" {
		resolveError(w, p, err)
		return
	}
	entries, _ := os.ReadDir(dir)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	body := []byte{'['}
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // as Mesos: listed, then gone or dangling
		}
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = appendFileInfo(body, path.Join(p, e.Name()), info)
	}
	writeJSON(w, append(body, ']'))
}

func appendFileInfo(b []byte, p string, info fs.FileInfo) []byte {
	uid, gid, nlink := "", "", uint64(1)
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		uid, gid, nlink = userName(st.Uid), groupName(st.Gid), uint64(st.Nlink)
	}
	b = append(b, `{"gid":`...)
	b = appendJSONString(b, []byte(gid))
	b = append(b, `,"mode":`...)
	b = appendJSONString(b, []byte(modeString(info.Mode())))
	b = append(b, `,"mtime":`...)
	b = strconv.AppendInt(b, info.ModTime().Unix(), 10)
	b = append(b, `.0,"nlink":`...)
	b = strconv.AppendUint(b, nlink, 10)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, []byte(p))
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, info.Size(), 10)
	b = append(b, `,"uid":`...)
	b = appendJSONString(b, []byte(uid))
	return append(b, '}')
}

// modeString is ls's ten characters, as Mesos writes a file's mode.
func modeString(m fs.FileMode) string {
	t := byte('-')
	switch {
	case m.IsDir():
		t = 'd'
	case m&fs.ModeCharDevice != 0:
		t = 'c'
	case m&fs.ModeDevice != 0:
		t = 'b'
	case m&fs.ModeNamedPipe != 0:
		t = 'p'
	case m&fs.ModeSymlink != 0:
		t = 'l'
	case m&fs.ModeSocket != 0:
		t = 's'
	}
	s := []byte{t}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m.Perm()&(1<<(8-i)) != 0 {
			s = append(s, rwx[i])
		} else {
			s = append(s, '-')
		}
	}
	return string(s)
}

func userName(id uint32) string {
	s := strconv.FormatUint(uint64(id), 10)
	if u, err := user.LookupId(s); err == nil {
		return u.Username
	}
	return s
}

func groupName(id uint32) string {
	s := strconv.FormatUint(uint64(id), 10)
	if g, err := user.LookupGroupId(s); err == nil {
		return g.Name
	}
	return s
}
