//go:build !linux

package procgroup

// AwaitExit returns at once here: the caller's Wait does the waiting.
func AwaitExit(int) {}
