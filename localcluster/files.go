package localcluster

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The agents' files API, as Mesos 1.11's FilesProcess (src/files/files.cpp)
// serves it on each agent's own address: /files/read and /files/browse over
// the sandboxes the agent attached. A Mesos agent attaches each executor's
// run folder under three names (slave.cpp, Framework::addExecutor):
//
//	<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>
//	<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/latest
//	/frameworks/<fw>/executors/<ex>/runs/latest
//
// and detaches them when the folder is garbage collected. Here a sandbox is
// attached exactly while its folder exists (the agent's folder stands for
// <work_dir>/slaves/<agent>), so the agent keeps no map of attached paths:
// a path is resolved from the layout on disk. "latest" is the run folder
// modified last, where Mesos follows a symlink it rewrites at each launch;
// for a command task (one run per executor id) they agree.
//
// The conformance suite's "files" scenario compares these answers with a
// real Mesos 1.11.1 agent's. Departures: a resolved path must lie inside its run folder, component by
// component (Mesos compares string prefixes, so a sibling run whose name
// extends the container id would pass); no authentication or authorization;
// no jsonp; /files/download and /files/debug are not served.

// maxReadLength caps one read, as Mesos's 16 pages of 4 KiB.
const maxReadLength = 16 * 4096

// serveFiles is the agent's HTTP handler.
func (a *agent) serveFiles() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/files/read", a.serveRead)
	mux.HandleFunc("/files/browse", a.serveBrowse)
	return mux
}

// errInaccessible is a path that leaves its sandbox (400, as Mesos's resolve
// Error); a path not attached or not existing resolves to "" and nil (404).
var errInaccessible = errors.New("inaccessible")

// resolve maps a path the files API was asked for to a file on disk.
func (a *agent) resolve(p string) (string, error) {
	p = strings.TrimSuffix(p, "/")
	var rest string
	switch {
	case strings.HasPrefix(p, "/frameworks/"):
		rest = strings.TrimPrefix(p, "/frameworks/")
	case strings.HasPrefix(p, a.absDir+"/frameworks/"):
		rest = strings.TrimPrefix(p, a.absDir+"/frameworks/")
	default:
		return "", nil
	}
	virtual := strings.HasPrefix(p, "/frameworks/")
	parts := strings.SplitN(rest, "/", 6)
	if len(parts) < 5 || parts[1] != "executors" || parts[3] != "runs" {
		return "", nil
	}
	fw, ex, run := parts[0], parts[2], parts[4]
	for _, s := range []string{fw, ex, run} {
		if s == "" || s == "." || s == ".." {
			return "", nil
		}
	}
	if virtual {
		if run != "latest" {
			return "", nil
		}
		ex = safeName(ex)
	}
	runs := filepath.Join(a.absDir, "frameworks", fw, "executors", ex, "runs")
	if run == "latest" {
		if run = latestRun(runs); run == "" {
			return "", nil
		}
	}
	root, err := filepath.EvalSymlinks(filepath.Join(runs, run))
	if err != nil {
		return "", nil // not there (any more): not attached
	}
	target := root
	if len(parts) == 6 {
		target = filepath.Join(root, parts[5])
	}
	real, err := filepath.EvalSymlinks(target)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", err
	}
	if real != root && !strings.HasPrefix(real, root+"/") {
		return "", errInaccessible
	}
	return real, nil
}

// latestRun is the name of the run folder in runs modified last; "" if none.
func latestRun(runs string) string {
	entries, err := os.ReadDir(runs)
	if err != nil {
		return ""
	}
	var (
		name string
		last time.Time
	)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if name == "" || info.ModTime().After(last) {
			name, last = e.Name(), info.ModTime()
		}
	}
	return name
}

// resolveError answers a path that did not resolve as Mesos does.
func resolveError(w http.ResponseWriter, path string, err error) {
	if err == nil {
		httpError(w, "", http.StatusNotFound)
		return
	}
	if errors.Is(err, errInaccessible) {
		httpError(w, "'"+path+"' is inaccessible.\n", http.StatusBadRequest)
		return
	}
	httpError(w, "Failed to determine canonical path of '"+path+"': "+err.Error()+".\n", http.StatusBadRequest)
}

// serveRead is /files/read?path=P&offset=N&length=M: up to M bytes of P
// from N, with the file's size when offset is -1 or absent.
func (a *agent) serveRead(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	path := q.Get("path")
	if path == "" {
		httpError(w, "Expecting 'path=value' in query.\n", http.StatusBadRequest)
		return
	}
	offset := int64(-1)
	if q.Has("offset") {
		n, err := strconv.ParseInt(q.Get("offset"), 10, 64)
		if err != nil {
			httpError(w, "Failed to parse offset: Failed to convert '"+q.Get("offset")+"' to number.\n", http.StatusBadRequest)
			return
		}
		if n < -1 {
			httpError(w, "Negative offset provided: "+strconv.FormatInt(n, 10)+".\n", http.StatusBadRequest)
			return
		}
		offset = n
	}
	length := int64(-1) // to the end
	if q.Has("length") {
		n, err := strconv.ParseInt(q.Get("length"), 10, 64)
		if err != nil {
			httpError(w, "Failed to parse length: Failed to convert '"+q.Get("length")+"' to number.\n", http.StatusBadRequest)
			return
		}
		if n < -1 {
			httpError(w, "Negative length provided: "+strconv.FormatInt(n, 10)+".\n", http.StatusBadRequest)
			return
		}
		length = n
	}
	from := offset
	if offset == -1 {
		from, length = 0, 0 // the size only
	}
	file, err := a.resolve(path)
	if file == "" {
		resolveError(w, path, err)
		return
	}
	data, size, msg := readAt(file, from, length)
	if msg != "" {
		code := http.StatusInternalServerError
		if msg == "Cannot read a directory.\n" {
			code = http.StatusBadRequest
		}
		httpError(w, msg, code)
		return
	}
	if offset != -1 {
		size = offset
	}
	body := make([]byte, 0, len(data)+32)
	body = append(body, `{"data":`...)
	body = appendJSONString(body, data)
	body = append(body, `,"offset":`...)
	body = strconv.AppendInt(body, size, 10)
	body = append(body, '}')
	writeJSON(w, body)
}

// readAt reads up to length bytes (to the end when -1, capped at
// maxReadLength) of file from offset, and returns them with the file's size,
// or Mesos's message for a file it cannot read.
func readAt(file string, offset, length int64) ([]byte, int64, string) {
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, "Failed to open file at '" + file + "': " + err.Error() + ".\n"
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, "Failed to open file at '" + file + "': " + err.Error() + ".\n"
	}
	if info.IsDir() {
		return nil, 0, "Cannot read a directory.\n"
	}
	size := info.Size()
	if offset >= size || length == 0 {
		return nil, size, ""
	}
	if length < 0 || length > size-offset {
		length = size - offset
	}
	length = min(length, maxReadLength)
	buf := make([]byte, length)
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, "Failed to read file at '" + file + "': " + err.Error() + ".\n"
	}
	return buf[:n], size, ""
}

// writeJSON answers 200 with a JSON body, as libprocess's OK(JSON) does.
func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// appendJSONString appends s as a JSON string the way Mesos's writer
// (rapidjson) does: quotes, backslashes and control characters escaped,
// every other byte as it is, invalid UTF-8 included.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
