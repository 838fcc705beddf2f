// Package writeback starts the kernel writing a file's bytes to disk while a
// fetcher is still receiving more, so the fsync a fetcher owes before it
// reports success has little left to flush. It needs only the standard
// library and golang.org/x/sys.
package writeback

// Every is how many written bytes a fetcher lets pass between two Start
// calls: large enough that the calls cost nothing, small enough that the
// final fsync finds little dirty data.
const Every = 16 << 20

// Align is what the end of a range given to Start should be a multiple of:
// the largest folio Linux's page cache uses (2 MiB on x86-64). A write into
// a folio the kernel is writing out waits for that I/O on file systems and
// disks that need stable pages, and ext4 caches a large file in large
// folios: a range ending inside the folio the fetcher appends to next
// stalled the append after every Start, and made a 1 GiB HTTP fetch
// (odd-sized reads) take 2-3.5 s where it takes 1 s with whole folios.
const Align = 2 << 20
