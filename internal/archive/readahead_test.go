package archive

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestExtractLargeBodies extracts bodies spanning many read-ahead blocks
// and many pooled zip inflaters, and compares every byte.
func TestExtractLargeBodies(t *testing.T) {
	// Random 3 KiB chunks, each repeated: compressible, but not trivially.
	chunk := make([]byte, 3<<10)
	rng := rand.NewChaCha8([32]byte{1})
	var ms []member
	for i, size := range []int{0, 1, 5 << 10, aheadBlockSize - 1, aheadBlockSize, 2*aheadBlockSize + 17} {
		var b bytes.Buffer
		for b.Len() < size {
			_, _ = rng.Read(chunk)
			b.Write(bytes.Repeat(chunk, 4))
		}
		ms = append(ms, member{name: "d/" + string(rune('a'+i)), body: string(b.Bytes()[:size])})
	}
	for _, name := range []string{"big.tar.gz", "big.tar.zst", "big.zip"} {
		t.Run(name, func(t *testing.T) {
			var data []byte
			switch name {
			case "big.zip":
				data = zipOf(t, ms...)
			case "big.tar.gz":
				data = compress(t, TarGz, tarOf(t, ms...))
			default:
				data = compress(t, TarZst, tarOf(t, ms...))
			}
			dst := t.TempDir()
			if _, err := Extract(context.Background(), writeFile(t, name, data), dst, Limits{}); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			for _, m := range ms {
				got, err := os.ReadFile(filepath.Join(dst, m.name))
				if err != nil || string(got) != m.body {
					t.Errorf("%s: %d bytes, want %d (%v)", m.name, len(got), len(m.body), err)
				}
			}
		})
	}
}
