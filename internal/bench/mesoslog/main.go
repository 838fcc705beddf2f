// Command mesoslog reads the INFO logs of a real Mesos master and agent after
// a batchd job and says where each task's time went: from the offer that
// carried it, through ACCEPT, the agent's containerizer (launcher fork,
// isolators, the Mesos fetcher), the command executor's start, the task's
// own run, the status updates, to the master recovering its resources and
// offering them again. It prints the median and 90th percentile of every
// phase and how batchd used the offers (offers, ACCEPTs, declines, tasks
// per ACCEPT). Used by internal/bench/mesos.sh.
//
//	mesoslog -master DIR/logs/mesos-master.INFO -agent DIR/logs/mesos-agent.INFO
//
// Times come from glog's line prefixes (microseconds, local clock, one
// day: a log crossing midnight gives nonsense).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	master := flag.String("master", "", "the master's INFO log (required)")
	agent := flag.String("agent", "", "the agent's INFO log (required)")
	flag.Parse()
	if *master == "" || *agent == "" {
		fmt.Fprintln(os.Stderr, "usage: mesoslog -master FILE -agent FILE")
		os.Exit(2)
	}
	tl := newTimeline()
	if err := tl.read(*master, tl.masterLine); err != nil {
		fmt.Fprintln(os.Stderr, "mesoslog:", err)
		os.Exit(1)
	}
	if err := tl.read(*agent, tl.agentLine); err != nil {
		fmt.Fprintln(os.Stderr, "mesoslog:", err)
		os.Exit(1)
	}
	tl.report(os.Stdout)
}

// task holds one task's timestamps (seconds since midnight; 0 = not seen).
type task struct {
	offer                          string
	launched, assigned, container  float64
	fetching, running, registered  float64
	taskRunning, finished, removed float64
	freed                          float64 // resources recovered; 0: use removed
	executorExited                 float64
	cid                            string
}

type timeline struct {
	tasks     map[string]*task
	byCID     map[string]*task
	offerSent map[string]float64
	sends     []float64 // times offers were sent, in order
	accepts   int
	perAccept []int
	declines  int
	curOffer  string
	curLaunch int
	inAccept  bool
}

func newTimeline() *timeline {
	return &timeline{tasks: map[string]*task{}, byCID: map[string]*task{}, offerSent: map[string]float64{}}
}

func (tl *timeline) task(id string) *task {
	t := tl.tasks[id]
	if t == nil {
		t = &task{}
		tl.tasks[id] = t
	}
	return t
}

var (
	glogLine  = regexp.MustCompile(`^[IWE]\d{4} (\d\d):(\d\d):(\d\d\.\d+)\s+\d+ [^\]]+\] (.*)$`)
	reSend    = regexp.MustCompile(`^Sending offers \[ (.*) \] to framework`)
	reAccept  = regexp.MustCompile(`^Processing ACCEPT call for offers: \[ (.*) \]`)
	reDecline = regexp.MustCompile(`^Processing DECLINE call for offers: \[ (.*) \]`)
	reLaunch  = regexp.MustCompile(`^Launching task (\S+) of framework`)
	reRemove  = regexp.MustCompile(`^Removing task (\S+) with resources`)
	// The master recovers a task's resources as soon as its latest state
	// (which the agent sends with every update) is terminal.
	reTerminal = regexp.MustCompile(`^Updating the state of task (\S+) of framework \S+ \(latest state: TASK_(?:FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE)`)
	reAssigned = regexp.MustCompile(`^Got assigned task '([^']+)'`)
	reContain  = regexp.MustCompile(`^Launching container (\S+) for executor '([^']+)'`)
	reState    = regexp.MustCompile(`^Transitioning the state of container (\S+) from \w+ to (\w+) after`)
	reRegister = regexp.MustCompile(`^Got registration for executor '([^']+)'`)
	reUpdate   = regexp.MustCompile(`^Handling status update (TASK_\w+) .* for task (\S+) of framework`)
	reExited   = regexp.MustCompile(`^Executor '([^']+)' of framework \S+ exited`)
)

// read calls fn with the time and message of every glog line of path.
func (tl *timeline) read(path string, fn func(at float64, msg string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		m := glogLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.ParseFloat(m[3], 64)
		fn(float64(h*3600+mi*60)+s, m[4])
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

func (tl *timeline) masterLine(at float64, msg string) {
	if m := reLaunch.FindStringSubmatch(msg); m != nil {
		t := tl.task(m[1])
		t.launched, t.offer = at, tl.curOffer
		return
	}
	switch {
	case reSend.MatchString(msg):
		for _, id := range strings.Split(reSend.FindStringSubmatch(msg)[1], ", ") {
			tl.offerSent[id] = at
		}
		tl.sends = append(tl.sends, at)
	case reAccept.MatchString(msg):
		tl.accepts++
		tl.curOffer = strings.Split(reAccept.FindStringSubmatch(msg)[1], ", ")[0]
	case reDecline.MatchString(msg):
		tl.declines++
	case reTerminal.MatchString(msg):
		if t := tl.task(reTerminal.FindStringSubmatch(msg)[1]); t.freed == 0 {
			t.freed = at
		}
	case reRemove.MatchString(msg):
		tl.task(reRemove.FindStringSubmatch(msg)[1]).removed = at
	}
}

func (tl *timeline) agentLine(at float64, msg string) {
	first := func(p *float64) {
		if *p == 0 {
			*p = at
		}
	}
	if m := reState.FindStringSubmatch(msg); m != nil {
		t := tl.byCID[m[1]]
		if t == nil {
			return
		}
		switch m[2] {
		case "FETCHING":
			first(&t.fetching)
		case "RUNNING":
			first(&t.running)
		}
		return
	}
	if m := reAssigned.FindStringSubmatch(msg); m != nil {
		first(&tl.task(m[1]).assigned)
	} else if m := reContain.FindStringSubmatch(msg); m != nil {
		t := tl.task(m[2])
		first(&t.container)
		t.cid = m[1]
		tl.byCID[m[1]] = t
	} else if m := reRegister.FindStringSubmatch(msg); m != nil {
		first(&tl.task(m[1]).registered)
	} else if m := reUpdate.FindStringSubmatch(msg); m != nil {
		t := tl.task(m[2])
		switch m[1] {
		case "TASK_RUNNING":
			first(&t.taskRunning)
		case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR":
			first(&t.finished)
		}
	} else if m := reExited.FindStringSubmatch(msg); m != nil {
		first(&tl.task(m[1]).executorExited)
	}
}

// freedAt is when the master recovered t's resources: when it first saw
// t's latest state terminal, else when it removed t.
func (t *task) freedAt() float64 {
	if t.freed > 0 {
		return t.freed
	}
	return t.removed
}

// nextSend is the first time an offer was sent after at, or 0.
func (tl *timeline) nextSend(at float64) float64 {
	i := sort.SearchFloat64s(tl.sends, at)
	if i == len(tl.sends) {
		return 0
	}
	return tl.sends[i]
}

// phase is one step of a task's life: its duration, when both ends were seen.
type phase struct {
	name string
	dur  func(t *task) (float64, bool)
}

func span(from, to func(t *task) float64) func(t *task) (float64, bool) {
	return func(t *task) (float64, bool) {
		a, b := from(t), to(t)
		return b - a, a > 0 && b > 0
	}
}

func (tl *timeline) report(w io.Writer) {
	offered := func(t *task) float64 { return tl.offerSent[t.offer] }
	phases := []phase{
		{"offer sent -> ACCEPT processed (batchd's answer)", span(offered, func(t *task) float64 { return t.launched })},
		{"ACCEPT -> agent got the task", span(func(t *task) float64 { return t.launched }, func(t *task) float64 { return t.assigned })},
		{"agent: task -> container launch (authorise, sandbox)", span(func(t *task) float64 { return t.assigned }, func(t *task) float64 { return t.container })},
		{"containerizer: launch -> fetching (fork, isolators)", span(func(t *task) float64 { return t.container }, func(t *task) float64 { return t.fetching })},
		{"Mesos fetcher (mesos-fetcher, cache -> sandbox)", span(func(t *task) float64 { return t.fetching }, func(t *task) float64 { return t.running })},
		{"mesos-executor start -> registered", span(func(t *task) float64 { return t.running }, func(t *task) float64 { return t.registered })},
		{"registered -> TASK_RUNNING (executor forks task)", span(func(t *task) float64 { return t.registered }, func(t *task) float64 { return t.taskRunning })},
		{"TASK_RUNNING -> TASK_FINISHED (the task program)", span(func(t *task) float64 { return t.taskRunning }, func(t *task) float64 { return t.finished })},
		{"TASK_FINISHED -> master recovers resources (update)", span(func(t *task) float64 { return t.finished }, (*task).freedAt)},
		{"resources recovered -> next offer (allocation wait)", func(t *task) (float64, bool) {
			n := tl.nextSend(t.freedAt())
			return n - t.freedAt(), t.freedAt() > 0 && n > 0
		}},
		{"= a slot's cycle: offer -> next offer", func(t *task) (float64, bool) {
			n := tl.nextSend(t.freedAt())
			return n - offered(t), offered(t) > 0 && t.freedAt() > 0 && n > 0
		}},
		{"(executor lingers after TASK_FINISHED)", span(func(t *task) float64 { return t.finished }, func(t *task) float64 { return t.executorExited })},
	}
	var ids []string
	first, last := 0.0, 0.0
	for id, t := range tl.tasks {
		if t.launched == 0 {
			continue
		}
		ids = append(ids, id)
		if first == 0 || t.launched < first {
			first = t.launched
		}
		last = max(last, t.freedAt())
	}
	fmt.Fprintf(w, "%d tasks launched in %d ACCEPTs over %.1fs (first launch to last resources recovered); %d offers sent, %d declined\n",
		len(ids), tl.accepts, last-first, len(tl.sends), tl.declines)
	perOffer := map[string]int{}
	for _, id := range ids {
		perOffer[tl.tasks[id].offer]++
	}
	if len(perOffer) > 0 {
		p := slices.Sorted(maps.Values(perOffer))
		fmt.Fprintf(w, "tasks per ACCEPT (one LAUNCH each): median %d, max %d\n", p[len(p)/2], p[len(p)-1])
	}
	fmt.Fprintf(w, "%-55s %8s %8s %6s\n", "per task, seconds", "median", "p90", "tasks")
	for _, ph := range phases {
		var d []float64
		for _, id := range ids {
			if v, ok := ph.dur(tl.tasks[id]); ok {
				d = append(d, v)
			}
		}
		if len(d) == 0 {
			fmt.Fprintf(w, "%-55s %8s %8s %6d\n", ph.name, "-", "-", 0)
			continue
		}
		slices.Sort(d)
		fmt.Fprintf(w, "%-55s %8.3f %8.3f %6d\n", ph.name, d[len(d)/2], d[len(d)*9/10], len(d))
	}
}
