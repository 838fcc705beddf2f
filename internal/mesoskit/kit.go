// Package mesoskit runs tests against a real Apache Mesos 1.11.1.
//
// Start finds the Mesos kit (a folder holding mesos-up, mesos-down and the
// Mesos 1.11.1 tarball: $BATCHD_MESOS_KIT, else ../shared/mesos beside the
// module root, else /work/shared/mesos), starts a master and one agent on free
// loopback ports in a fresh folder, and stops them, with every executor and
// task they started, when the test ends. A failed test keeps the folder and
// prints the tail of the logs. AddAgent, KillAgent and RestartMaster drive the
// failure scenarios.
//
// $BATCHD_TEST_MESOS names a master URL to use instead (a user's own
// cluster): Start then starts nothing, and the calls that kill or restart
// daemons skip the test, saying why.
//
// Without a kit and without $BATCHD_TEST_MESOS a test that calls Start skips,
// saying why. A kit that is present but cannot start fails the test, in CI
// always; outside CI a user who is not root skips instead (mesos-up installs
// missing runtime libraries with apt, which needs root).
package mesoskit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Environment variables that choose the cluster.
const (
	// EnvMaster names an existing master ("http://host:port") to test against.
	EnvMaster = "BATCHD_TEST_MESOS"
	// EnvKit names the kit folder (one holding mesos-up).
	EnvKit = "BATCHD_MESOS_KIT"
)

// defaultKit is where the project's machines keep the kit.
const defaultKit = "/work/shared/mesos"

// FindKit returns the kit folder: $BATCHD_MESOS_KIT, else ../shared/mesos
// relative to the module root (the folder holding go.mod above the working
// directory), else /work/shared/mesos; the first that holds an executable
// mesos-up. The error lists the places tried.
func FindKit() (string, error) {
	var tried []string
	if dir := os.Getenv(EnvKit); dir != "" {
		if isKit(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("$%s=%s holds no executable mesos-up", EnvKit, dir)
	}
	if root, err := moduleRoot(); err == nil {
		dir := filepath.Join(root, "..", "shared", "mesos")
		if isKit(dir) {
			return filepath.Clean(dir), nil
		}
		tried = append(tried, filepath.Clean(dir))
	}
	if isKit(defaultKit) {
		return defaultKit, nil
	}
	tried = append(tried, defaultKit)
	return "", fmt.Errorf("no Mesos kit (tried %v); set $%s to a kit folder or $%s to a master URL", tried, EnvKit, EnvMaster)
}

func isKit(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "mesos-up"))
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// moduleRoot walks up from the working directory to the folder holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// inCI reports whether the tests run in CI, where a present kit must work.
func inCI() bool { return os.Getenv("CI") != "" }

// lockKit takes an exclusive lock shared by every test process on this
// machine, so that two packages running mesos-up at once do not both run
// apt-get. The returned func releases it.
func lockKit() (func(), error) {
	path := filepath.Join(os.TempDir(), "batchd-mesoskit.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
