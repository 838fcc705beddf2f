package procgroup

import (
	"os/exec"
	"testing"
)

// BenchmarkStart starts and waits for /bin/true with os/exec alone and
// through Start (a spawner thread, a process group, the watchdog's two
// lines), for the cost Start adds to each task. Compare the two in one run.
func BenchmarkStart(b *testing.B) {
	b.Run("exec", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("/bin/true")
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			cmd.Wait()
		}
	})
	b.Run("procgroup", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("/bin/true")
			if err := Start(cmd); err != nil {
				b.Fatal(err)
			}
			cmd.Wait()
			Done(cmd.Process.Pid)
		}
	})
}
