// Command extract is the batchd side of internal/bench/extract.sh: it
// unpacks an archive exactly as the archive plugin does (archivefetch's
// Extract, with the plugin's default limits), or writes the test content the
// script archives with the usual tools.
//
//	extract unpack ARCHIVE DEST   unpack ARCHIVE into the existing folder DEST
//	extract tree DIR MIB          write about MIB MiB of files of 256 KiB to 4 MiB
//	extract small DIR N           write N files of 4 to 64 KiB
//
// The content is half random bytes (like compressed media or binaries) and
// half log-like text (compressing about 5:1), so the archives compress as
// real ones do. It prints one line: what it did, with the wall time.
package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	archivefetch "github.com/batchd/batchd/fetchers/archive"
	"github.com/batchd/batchd/plugins/fetcher"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "extract:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: extract unpack ARCHIVE DEST | tree DIR MIB | small DIR N")
	}
	start := time.Now()
	switch args[0] {
	case "unpack":
		f := archivefetch.New(archivefetch.DefaultConfig())
		res, err := f.Extract(context.Background(), fetcher.ExtractRequest{Archive: args[1], Dest: args[2]})
		if err != nil {
			return err
		}
		fmt.Printf("unpacked %d files, %d bytes in %.3fs\n", res.Files, res.Bytes, time.Since(start).Seconds())
		return nil
	case "tree", "small":
		n, err := strconv.Atoi(args[2])
		if err != nil || n <= 0 {
			return fmt.Errorf("%s: %q is not a positive count", args[0], args[2])
		}
		g := gen{rng: rand.New(rand.NewPCG(uint64(n), 7))}
		if args[0] == "tree" {
			err = g.tree(args[1], int64(n)<<20)
		} else {
			err = g.small(args[1], n)
		}
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d files, %d bytes in %.3fs\n", g.files, g.bytes, time.Since(start).Seconds())
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// gen writes test content.
type gen struct {
	rng          *rand.Rand
	files, bytes int64
}

// tree writes about total bytes in files of 256 KiB to 4 MiB, 32 to a folder.
func (g *gen) tree(dir string, total int64) error {
	for i := 0; g.bytes < total; i++ {
		size := min(256<<10+g.rng.Int64N(4<<20-256<<10), total-g.bytes)
		if err := g.file(filepath.Join(dir, fmt.Sprintf("d%03d", i/32)), fmt.Sprintf("f%05d", i), size, i%2 == 0); err != nil {
			return err
		}
	}
	return nil
}

// small writes n files of 4 to 64 KiB, 500 to a folder.
func (g *gen) small(dir string, n int) error {
	for i := range n {
		size := 4<<10 + g.rng.Int64N(60<<10)
		if err := g.file(filepath.Join(dir, fmt.Sprintf("d%03d", i/500)), fmt.Sprintf("f%05d.txt", i), size, i%2 == 0); err != nil {
			return err
		}
	}
	return nil
}

// words make the text half of the content.
var words = []string{"INFO", "WARN", "DEBUG", "request", "served", "user", "cache", "miss", "hit",
	"GET", "POST", "/api/v1/items", "latency_ms", "status", "worker", "queue", "retry", "shard", "ok"}

func (g *gen) file(dir, name string, size int64, random bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for n := int64(0); n < size; {
		line = line[:0]
		if random {
			for range 64 {
				line = append(line, byte(g.rng.Uint32()))
			}
		} else {
			line = fmt.Appendf(line, "2026-12-04T%02d:%02d:%02d.%06dZ", g.rng.IntN(24), g.rng.IntN(60), g.rng.IntN(60), g.rng.IntN(1e6))
			for range 4 + g.rng.IntN(8) {
				line = append(append(line, ' '), words[g.rng.IntN(len(words))]...)
			}
			line = fmt.Appendf(line, " id=%x n=%d\n", g.rng.Uint64(), g.rng.IntN(10000))
		}
		k := min(int64(len(line)), size-n)
		if _, err := w.Write(line[:k]); err != nil {
			f.Close()
			return err
		}
		n += k
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	g.files++
	g.bytes += size
	return f.Close()
}
