package archive

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// entryType is what an archive entry asks to create.
type entryType uint8

const (
	typeDir entryType = iota + 1
	typeFile
	typeSymlink
	typeHardlink
	typeSpecial
)

// entry is one archive member, whatever the format.
type entry struct {
	name string
	typ  entryType
	mode fs.FileMode
	// size is what the header claims, -1 when it claims nothing.
	size int64
	// link is a symlink's target or the name a hard link points at.
	link string
	// what names a special entry's type, for the error.
	what string
	// open, when set, opens a regular file's body (a zip entry's), which
	// x.bodies then writes; size is then the exact size of the body.
	open func() (io.ReadCloser, error)
}

// add checks one entry against the rules and limits and, when it passes,
// creates it through the sink, reading a file's body from body.
func (x *extractor) add(e entry, body io.Reader) error {
	if err := x.ctx.Err(); err != nil {
		return err
	}
	if x.entries++; x.entries > x.lim.MaxFiles {
		return broke(e.name, RuleTooManyEntries, "limit %d", x.lim.MaxFiles)
	}
	if e.typ == typeSpecial {
		return broke(e.name, RuleSpecial, e.what)
	}
	rel, rerr := cleanName(e.name, x.lim.MaxDepth)
	if rerr != nil {
		return rerr
	}
	if rel == "" {
		if e.typ == typeDir {
			return nil // "./": the target folder itself
		}
		return broke(e.name, RuleBadName, "names the target folder itself")
	}
	if rerr := x.tree.checkParents(e.name, rel); rerr != nil {
		return rerr
	}
	switch old := x.tree.nodes[rel]; {
	case old == kindDir && e.typ != typeDir:
		return broke(e.name, RuleConflict, "would replace a folder")
	case old != kindNone && old != kindDir && e.typ == typeDir:
		return broke(e.name, RuleConflict, "a folder would replace a file or link")
	}
	switch e.typ {
	case typeDir:
		if err := x.sink.dir(e.name, rel); err != nil {
			return err
		}
		x.tree.set(rel, kindDir, "", "")
		x.stats.Dirs++
		return nil
	case typeFile:
		return x.file(e, rel, body)
	case typeSymlink:
		return x.symlink(e, rel)
	case typeHardlink:
		return x.hardlink(e, rel)
	}
	return broke(e.name, RuleSpecial, "unknown entry type")
}

func (x *extractor) file(e entry, rel string, body io.Reader) error {
	if e.size > x.lim.MaxEntryBytes {
		return broke(e.name, RuleEntryTooBig, "header says %d bytes, limit %d", e.size, x.lim.MaxEntryBytes)
	}
	if e.size > x.lim.MaxBytes-x.stats.Bytes {
		return broke(e.name, RuleTooBig, "header says %d bytes, %d left of %d", e.size, x.lim.MaxBytes-x.stats.Bytes, x.lim.MaxBytes)
	}
	w, err := x.sink.create(e.name, rel, filePerm(e.mode))
	if err != nil {
		return err
	}
	if e.open != nil {
		return x.fileLater(e, rel, w)
	}
	n, err := x.copy(e.name, w, body)
	if cerr := w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("entry %q: %w", e.name, cerr)
	}
	x.stats.Bytes += n
	if err != nil {
		x.sink.remove(rel)
		return err
	}
	x.tree.set(rel, kindFile, "", "")
	x.stats.Files++
	return nil
}

// fileLater counts a file whose body size is known as written and hands
// its body to x.bodies, which reports a failure with the entry's index.
func (x *extractor) fileLater(e entry, rel string, w io.WriteCloser) error {
	room := min(x.lim.MaxEntryBytes, x.lim.MaxBytes-x.stats.Bytes)
	x.stats.Bytes += e.size
	x.tree.set(rel, kindFile, "", "")
	x.stats.Files++
	return x.bodies.submit(bodyJob{index: x.entries, name: e.name, rel: rel, w: w, open: e.open,
		room: room, maxEntry: x.lim.MaxEntryBytes, maxBytes: x.lim.MaxBytes})
}

func (x *extractor) symlink(e entry, rel string) error {
	switch {
	case e.link == "":
		return broke(e.name, RuleBadName, "empty symlink target")
	case len(e.link) > maxName:
		return broke(e.name, RuleBadName, "symlink target longer than %d bytes", maxName)
	case strings.IndexByte(e.link, 0) >= 0:
		return broke(e.name, RuleBadName, "NUL byte in the symlink target")
	}
	if rerr := x.tree.escapes(e.name, rel, e.link); rerr != nil {
		return rerr
	}
	if err := x.sink.symlink(e.name, e.link, rel); err != nil {
		return err
	}
	x.tree.set(rel, kindLink, e.name, e.link)
	x.stats.Files++
	return nil
}

func (x *extractor) hardlink(e entry, rel string) error {
	target, rerr := cleanName(e.link, x.lim.MaxDepth)
	switch {
	case rerr != nil && rerr.Rule == RuleEscape:
		return broke(e.name, RuleEscape, "hard link to %q", e.link)
	case rerr != nil:
		return broke(e.name, RuleHardlink, "-> %q: %s", e.link, rerr.Detail)
	case target == rel:
		return broke(e.name, RuleHardlink, "-> %q: links to itself", e.link)
	case x.tree.nodes[target] != kindFile:
		return broke(e.name, RuleHardlink, "-> %q", e.link)
	}
	if err := x.sink.link(e.name, target, rel); err != nil {
		return err
	}
	x.tree.set(rel, kindFile, "", "")
	x.stats.Files++
	return nil
}
