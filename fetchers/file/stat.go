package filefetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/batchd/batchd/internal/validator"
	"github.com/batchd/batchd/plugins/sdk"
)

// Validators (internal/validator). A file's version is told by its
// metadata: device, inode, size, modification and change times. Timestamps
// only prove a file unchanged once older than validator.RacyWindow, so for
// a file changed more recently the validator is the SHA-256 of its content
// instead, which is exact, and Stat re-hashes the file whenever the
// validator it is given is of that kind.

var _ sdk.Stater = (*Fetcher)(nil)

// Stat returns the validator of the file req.URI names: its metadata, or
// the SHA-256 of its content when the metadata is too recent to trust or
// req.Validator is a content validator. Errors are Fetch's.
func (f *Fetcher) Stat(ctx context.Context, req sdk.StatRequest) (sdk.StatResult, error) {
	path, err := localPath(req.URI)
	if err != nil {
		return sdk.StatResult{}, err
	}
	shown := sdk.RedactURI(req.URI)
	src, err := os.Open(path)
	if err != nil {
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w", shown, classify(err))
	}
	defer src.Close()
	info, err := regular(shown, src)
	if err != nil {
		return sdk.StatResult{}, err
	}
	v := validator.OfFile(info, f.now())
	if v == "" || strings.HasPrefix(req.Validator, validator.Content) {
		digest, err := hashFile(ctx, src)
		if err != nil {
			return sdk.StatResult{}, fmt.Errorf("stat %s: hashing: %w", shown, err)
		}
		v = validator.Content + digest
	}
	return sdk.StatResult{Validator: v, Size: info.Size()}, nil
}

// fetchedValidator is the validator of a file copied with the given
// digest: before and after are its metadata when the copy started and
// ended. A file that changed meanwhile gets none.
func fetchedValidator(before, after os.FileInfo, digest string, now time.Time) string {
	if validator.Changed(before, after) {
		return ""
	}
	if v := validator.OfFile(after, now); v != "" {
		return v
	}
	return validator.Content + digest
}

// hashFile returns the hex SHA-256 of src's content from its start.
func hashFile(ctx context.Context, src *os.File) (string, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := src.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
