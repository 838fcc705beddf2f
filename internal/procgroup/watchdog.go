package procgroup

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// watchdogScript is the watchdog: awk keeps the set of live process groups
// from lines "+PGID" and "-PGID" on its standard input and, when that input
// ends because this process is gone (however it died), kills every group
// left. It ignores the signals a terminal or a service manager sends this
// process's group (the shell's ignored signals stay ignored across exec).
// awk reads its input a buffer at a time; a shell's read builtin reads a
// pipe one byte at a time, a dozen system calls for each task.
const watchdogScript = `trap '' INT TERM HUP
exec awk '
/^[+][0-9]+$/ { g[substr($0, 2)] = 1; next }
/^-[0-9]+$/ { delete g[substr($0, 2)] }
END { c = ""; for (p in g) c = c " -" p; if (c != "") system("kill -KILL" c " 2>/dev/null") }'`

// watchdog is the write end of the watchdog's input, nil if it could not
// be started or stopped reading. Guarded by mu.
var watchdog *os.File

// watchdogErr says why there is no watchdog.
var watchdogErr error

// startWatchdog starts the watchdog, detached: the shell that starts it
// exits at once, so the watchdog is not this process's child and lives on
// when this process dies. Only this process holds the write end of its
// input (close-on-exec), so the input ends exactly when this process does.
func startWatchdog() {
	r, w, err := os.Pipe()
	if err != nil {
		watchdogErr = fmt.Errorf("procgroup: starting the watchdog: %w", err)
		return
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", `(`+watchdogScript+`) <&3 3<&- >/dev/null 2>&1 &`)
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // out of reach of the terminal's Ctrl-C
	if err := cmd.Run(); err != nil {
		w.Close()
		watchdogErr = fmt.Errorf("procgroup: starting the watchdog with /bin/sh: %w", err)
		return
	}
	watchdog = w
}

// tellWatchdog sends the watchdog one line; mu is held. A watchdog that
// does not read within a second (stopped, or gone) is given up.
func tellWatchdog(op byte, pgid int) {
	if watchdog == nil {
		return
	}
	watchdog.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprintf(watchdog, "%c%d\n", op, pgid); err != nil {
		watchdog.Close()
		watchdog, watchdogErr = nil, fmt.Errorf("procgroup: the watchdog stopped reading: %w", err)
	}
}

// WatchdogErr reports why no watchdog kills this process's groups when it
// dies, nil if one does (or none was needed yet).
func WatchdogErr() error {
	mu.Lock()
	defer mu.Unlock()
	return watchdogErr
}
