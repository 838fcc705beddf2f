package staging

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// Index keys. An index entry is keyed by its source's identity: the URI
// with any password redacted (readable in index.json and the logs), and,
// when the URI carries credentials or the source names an Identity (the
// fetcher and its settings), an HMAC-SHA256 of the full URI and identity
// under a random key kept in dir/index.key (mode 0600). So two sources
// that differ only in their credentials (same host and path, another user
// or password) never share an entry, and no credential is stored in clear
// or as a plain hash that a dictionary could reverse.

const secretFile = "index.key"

// keyOf is the index key of the source uri, shown as redacted, with
// identity.
func (s *Store) keyOf(uri, shown, identity string) string {
	if shown == uri && identity == "" {
		return shown
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(uri))
	m.Write([]byte{0})
	m.Write([]byte(identity))
	return shown + " #" + hex.EncodeToString(m.Sum(nil)[:16])
}

// loadSecret reads the store's HMAC key from p, creating it when missing.
func loadSecret(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading index key: %w", err)
	}
	// Missing or damaged: a new key only makes earlier entries with
	// credentials unreachable (they are fetched again).
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("making index key: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing index key: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return nil, fmt.Errorf("writing index key: %w", err)
	}
	return b, nil
}
