//go:build !linux

package procgroup

import "syscall"

// setDeathSignal does nothing: only Linux has a parent-death signal.
func setDeathSignal(*syscall.SysProcAttr) {}

// zombie reports false: without /proc, a zombie counts as alive.
func zombie(int) bool { return false }
