// Package writeback starts the kernel writing a file's bytes to disk while a
// fetcher is still receiving more, so the fsync a fetcher owes before it
// reports success has little left to flush. It needs only the standard
// library and golang.org/x/sys.
package writeback

// Every is how many written bytes a fetcher lets pass between two Start
// calls: large enough that the calls cost nothing, small enough that the
// final fsync finds little dirty data.
const Every = 16 << 20
