// Command spawn is the task-throughput baseline for internal/bench: it runs
// a task program N times, P at a time, as plain subprocesses, each reporting
// its result by POSTing JSON to a loopback HTTP sink, as a batchd task does
// to the collector. It is what batchd's task throughput is compared with:
// the same processes and the same posts, with no framework in between.
//
//	spawn -n 2000 -parallel 20 bin/plugins/batchd-task-sum
//	spawn -n 2000 -parallel 20 bin/plugins/batchd-workload-sum task
//
// runs "PROGRAM [ARG...] i i+1" for i in [0, N) with
// BATCHD_COLLECTOR_URL, BATCHD_TASK_ID and BATCHD_TASK_TOKEN set, each in its
// own empty working folder, and prints one line with the wall time and
// tasks/s. It exits 1 unless every task exited 0 and every result arrived.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 2000, "tasks to run")
	parallel := flag.Int("parallel", 20, "tasks running at a time")
	flag.Parse()
	argv := flag.Args()
	if len(argv) == 0 || *n < 1 || *parallel < 1 {
		fmt.Fprintln(os.Stderr, "usage: spawn [-n N] [-parallel P] PROGRAM [ARG...]")
		os.Exit(2)
	}
	if err := run(argv, *n, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(1)
	}
}

func run(argv []string, n, parallel int) error {
	program, err := filepath.Abs(argv[0])
	if err != nil {
		return err
	}
	argv = append([]string{program}, argv[1:]...)
	dir, err := os.MkdirTemp("", "spawn-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var got atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sink(&got)}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/result"

	start := time.Now()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
		next   = make(chan int)
	)
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := task(argv, dir, url, i); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)

	if len(failed) > 0 {
		return fmt.Errorf("%d of %d tasks failed, first: %w", len(failed), n, failed[0])
	}
	if g := got.Load(); g != int64(n) {
		return fmt.Errorf("%d results arrived for %d tasks", g, n)
	}
	fmt.Printf("spawn: %d tasks, %d at a time: %.2fs, %.1f tasks/s\n", n, parallel, wall.Seconds(), float64(n)/wall.Seconds())
	fmt.Fprintf(os.Stderr, "spawn: CPU of this process %s, of the tasks %s\n", cpu(syscall.RUSAGE_SELF), cpu(syscall.RUSAGE_CHILDREN))
	return nil
}

// task runs argv with the numbers of task i appended, in its own working
// folder, and waits for it.
func task(argv []string, dir, url string, i int) error {
	wd := filepath.Join(dir, strconv.Itoa(i))
	if err := os.Mkdir(wd, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(wd)
	args := append(argv[1:len(argv):len(argv)], strconv.Itoa(i), strconv.Itoa(i+1))
	cmd := exec.CommandContext(context.Background(), argv[0], args...)
	cmd.Dir = wd
	cmd.Env = append(os.Environ(),
		"BATCHD_COLLECTOR_URL="+url,
		"BATCHD_TASK_ID="+strconv.Itoa(i),
		"BATCHD_TASK_TOKEN=t"+strconv.Itoa(i),
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("task %d: %w: %s", i, err, out)
	}
	return nil
}

// sink accepts result posts with a bearer token and a JSON body and counts them.
func sink(got *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") == "" {
			http.Error(w, "want an authorised POST", http.StatusBadRequest)
			return
		}
		var body map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
}

// cpu returns the user and system CPU time getrusage(who) reports.
func cpu(who int) string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%.2f s user + %.2f s system", time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds())
}
