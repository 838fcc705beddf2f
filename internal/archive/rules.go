package archive

import (
	"fmt"
	"strings"
)

// Rule is one of the rules an archive entry can break. Its value is the
// phrase RuleError.Error uses.
type Rule string

// The rules.
const (
	RuleEscape         Rule = "escapes the target folder"
	RuleSymlinkEscape  Rule = "is a symlink pointing outside the target folder"
	RuleSymlinkDepth   Rule = "is a symlink reached through too many other symlinks"
	RuleHardlink       Rule = "is a hard link that does not name an earlier regular file of the archive"
	RuleThroughSymlink Rule = "would be written through a symlink"
	RuleConflict       Rule = "conflicts with an earlier entry or an existing file"
	RuleSpecial        Rule = "is a device, fifo or other special file"
	RuleBadName        Rule = "has an invalid name"
	RuleTooDeep        Rule = "is nested too deep"
	RuleTooManyEntries Rule = "exceeds the limit on the number of entries"
	RuleTooBig         Rule = "exceeds the limit on the total extracted size"
	RuleEntryTooBig    Rule = "exceeds the limit on the size of one file"
)

// RuleError reports the entry that broke a rule. It matches ErrUnsafe.
type RuleError struct {
	// Entry is the entry's name as the archive spells it.
	Entry string
	Rule  Rule
	// Detail says more, e.g. the link target or the limit; may be empty.
	Detail string
}

// Error reads like `entry "../x": escapes the target folder (".." in the name)`.
func (e *RuleError) Error() string {
	s := fmt.Sprintf("entry %q: %s", e.Entry, e.Rule)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrUnsafe) true for a *RuleError.
func (e *RuleError) Is(target error) bool { return target == ErrUnsafe }

func broke(entry string, rule Rule, detail string, args ...any) *RuleError {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &RuleError{Entry: entry, Rule: rule, Detail: detail}
}

// maxName bounds names and link targets, like the kernel's PATH_MAX;
// maxComponent bounds one path component, like NAME_MAX.
const (
	maxName      = 4096
	maxComponent = 255
)

// cleanName turns an entry name into a clean slash-separated path relative
// to the target folder ("" for the folder itself), or says which rule it breaks.
func cleanName(name string, maxDepth int) (string, *RuleError) {
	switch {
	case name == "":
		return "", broke(name, RuleBadName, "empty")
	case len(name) > maxName:
		return "", broke(name, RuleBadName, "longer than %d bytes", maxName)
	case strings.IndexByte(name, 0) >= 0:
		return "", broke(name, RuleBadName, "NUL byte")
	case strings.HasPrefix(name, "/"):
		return "", broke(name, RuleEscape, "absolute path")
	}
	parts := strings.Split(name, "/")
	kept := parts[:0]
	for _, p := range parts {
		switch p {
		case "", ".":
		case "..":
			return "", broke(name, RuleEscape, `".." in the name`)
		default:
			if len(p) > maxComponent {
				return "", broke(name, RuleBadName, "a path component is longer than %d bytes", maxComponent)
			}
			kept = append(kept, p)
		}
	}
	if len(kept) > maxDepth {
		return "", broke(name, RuleTooDeep, "%d path components, limit %d", len(kept), maxDepth)
	}
	return strings.Join(kept, "/"), nil
}

// kind is what the archive put at a path.
type kind uint8

const (
	kindNone kind = iota
	kindDir
	kindFile
	kindLink
)

// maxHops bounds the symlinks followed resolving one target (Linux's MAXSYMLINKS).
const maxHops = 40

// tree is the archive's own view of what it has created so far: the model
// every rule is checked against, the same whether or not anything is written.
type tree struct {
	nodes map[string]kind
	links map[string]symlink
	order []string // symlink paths in creation order, for the final check
}

func newTree() *tree {
	return &tree{nodes: map[string]kind{}, links: map[string]symlink{}}
}

// symlink is a link the archive made.
type symlink struct {
	entry  string // its name in the archive
	target string
}

// checkParents refuses an entry whose parent folders pass through a symlink
// or a file the archive created.
func (t *tree) checkParents(entry, rel string) *RuleError {
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		switch t.nodes[rel[:i]] {
		case kindLink:
			return broke(entry, RuleThroughSymlink, "%q is a symlink", rel[:i])
		case kindFile:
			return broke(entry, RuleConflict, "%q is a file", rel[:i])
		}
	}
	return nil
}

// addParents records the parent folders of rel as folders.
func (t *tree) addParents(rel string) {
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && t.nodes[rel[:i]] == kindNone {
			t.nodes[rel[:i]] = kindDir
		}
	}
}

// set records k at rel, replacing a file or link the archive made there.
// entry and linkTarget are used for a symlink.
func (t *tree) set(rel string, k kind, entry, linkTarget string) {
	t.addParents(rel)
	if t.nodes[rel] == kindLink {
		delete(t.links, rel)
	}
	t.nodes[rel] = k
	if k == kindLink {
		t.links[rel] = symlink{entry: entry, target: linkTarget}
		t.order = append(t.order, rel)
	}
}

// escapes reports whether target, a symlink's value at rel, resolves outside
// the root through the tree as it is now: ".." is applied after following
// the symlinks before it, as the kernel does. Names the tree does not know
// count as plain folders.
func (t *tree) escapes(entry, rel, target string) *RuleError {
	if strings.HasPrefix(target, "/") {
		return broke(entry, RuleSymlinkEscape, "-> %q: absolute target", target)
	}
	var stack []string
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		stack = strings.Split(rel[:i], "/")
	}
	queue := strings.Split(target, "/")
	hops := 0
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return broke(entry, RuleSymlinkEscape, "-> %q", target)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		p := strings.Join(append(stack, c), "/")
		if t.nodes[p] != kindLink {
			stack = append(stack, c)
			continue
		}
		if hops++; hops > maxHops {
			return broke(entry, RuleSymlinkDepth, "-> %q", target)
		}
		next := t.links[p].target
		if strings.HasPrefix(next, "/") {
			return broke(entry, RuleSymlinkEscape, "-> %q through %q -> %q", target, p, next)
		}
		queue = append(strings.Split(next, "/"), queue...)
	}
	return nil
}

// badLink is a symlink that escapes once the whole archive is known.
type badLink struct {
	rel string
	err *RuleError
}

// badLinks re-resolves every symlink against the complete tree: a link
// that was harmless when made can escape through a symlink made later.
func (t *tree) badLinks() []badLink {
	var bad []badLink
	seen := map[string]bool{}
	for _, rel := range t.order {
		if seen[rel] || t.nodes[rel] != kindLink {
			continue
		}
		seen[rel] = true
		l := t.links[rel]
		if err := t.escapes(l.entry, rel, l.target); err != nil {
			bad = append(bad, badLink{rel: rel, err: err})
		}
	}
	return bad
}
