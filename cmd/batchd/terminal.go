package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// progressEvery is how often a run off a terminal logs its progress.
const progressEvery = 5 * time.Second

// showProgress starts showing prog on stderr: a live line per job when
// stderr is a terminal, a log line per job every few seconds (and once at
// the end) when not, nothing with --quiet. It returns the writer the
// run's result lines go to (stdout, kept clear of the live lines on a
// terminal) and stop, which shows the last counts and returns once the
// display is gone (later calls do nothing).
func (m *Main) showProgress(prog *progress) (io.Writer, func()) {
	if m.quiet {
		return m.Stdout, func() {}
	}
	if f := terminalFile(m.Stderr); f != nil {
		return m.showBars(prog, f)
	}
	every := m.progressEvery
	if every <= 0 {
		every = progressEvery
	}
	stopTick := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				m.logProgress(prog.snapshot(now))
			case <-stopTick:
				m.logProgress(prog.snapshot(time.Now()))
				return
			}
		}
	}()
	return m.Stdout, sync.OnceFunc(func() { close(stopTick); <-done })
}

// logProgress logs each job's status.
func (m *Main) logProgress(jobs []jobLine) {
	for _, s := range jobs {
		m.log.Info("progress", "job", s.Name, "done", s.Done, "failed", s.Failed, "running", s.Running,
			"total", s.Total, "rate", s.rateText(), "eta", s.etaText())
	}
}

// terminalFile returns w as a file when it is a terminal, else nil.
func terminalFile(w io.Writer) *os.File {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// showBars draws a bar per job on the terminal tty with mpb, refreshed
// from prog a few times a second. Log lines, and result lines when stdout
// is a terminal too, are written above the bars (console).
func (m *Main) showBars(prog *progress, tty *os.File) (io.Writer, func()) {
	con := &console{tty: tty}
	out := m.Stdout
	if terminalFile(m.Stdout) != nil {
		out = con.above(m.Stdout)
	}
	m.logw.set(con.above(m.Stderr))
	p := mpb.New(mpb.WithConsoleWriter(con), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithWidth(80))
	var (
		mu    sync.Mutex
		shown = map[string]jobLine{}
	)
	status := func(name string) jobLine { mu.Lock(); defer mu.Unlock(); return shown[name] }
	bars := map[string]*mpb.Bar{}
	update := func(now time.Time) {
		for _, s := range prog.snapshot(now) {
			mu.Lock()
			shown[s.Name] = s
			mu.Unlock()
			b := bars[s.Name]
			if b == nil {
				name := s.Name
				b = p.AddBar(int64(s.Total),
					mpb.PrependDecorators(decor.Name(name+" ", decor.WCSyncSpaceR)),
					mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return " " + status(name).line() })))
				bars[name] = b
			}
			b.SetTotal(int64(s.Total), false)
			b.SetCurrent(int64(s.Done + s.Failed))
		}
	}
	stopTick := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				update(now)
			case <-stopTick:
				update(time.Now())
				for _, b := range bars {
					b.SetTotal(-1, true) // ends the bar where it is
				}
				p.Wait()
				return
			}
		}
	}()
	return out, sync.OnceFunc(func() {
		close(stopTick)
		<-done
		con.close()
		m.logw.set(m.Stderr)
	})
}

// console is the terminal mpb draws the bars on (an mpb.ConsoleWriter).
// Lines written above the bars, to the terminal or to stdout, first erase
// the bars, then draw them again below the lines, so neither garbles the
// other.
type console struct {
	tty *os.File

	mu     sync.Mutex
	buf    bytes.Buffer // the frame mpb is drawing
	frame  []byte       // the frame on the terminal
	lines  int          // its lines
	closed bool         // the bars are gone: lines go straight through
}

var _ mpb.ConsoleWriter = (*console)(nil)

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *console) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.ReadFrom(r)
}

// IsTerminal is true: the console is only made for a terminal.
func (c *console) IsTerminal() bool { return true }

// GetTermSize returns the terminal's size, 80x24 when it does not say.
func (c *console) GetTermSize() (int, int, error) {
	w, h, err := term.GetSize(int(c.tty.Fd()))
	if err != nil || w <= 0 || h <= 0 {
		return 80, 24, nil
	}
	return w, h, nil
}

// Flush replaces the frame on the terminal with the one drawn, of lines lines.
func (c *console) Flush(lines int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frame = append(c.frame[:0], c.buf.Bytes()...)
	_, err := c.tty.Write(append(eraseLines(c.lines), c.frame...))
	c.lines = lines
	c.buf.Reset()
	return err
}

// close leaves the last frame on the terminal and lets lines go straight through.
func (c *console) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
}

// eraseLines moves the cursor up n lines and erases from there down.
func eraseLines(n int) []byte {
	if n <= 0 {
		return nil
	}
	return fmt.Appendf(nil, "\x1b[%dA\x1b[J", n)
}

// above returns a writer of whole lines to w, shown above the bars.
func (c *console) above(w io.Writer) io.Writer { return &aboveWriter{c: c, w: w} }

// aboveWriter holds back a line until it is whole, then writes it above the bars.
type aboveWriter struct {
	c       *console
	w       io.Writer
	partial []byte
}

func (a *aboveWriter) Write(p []byte) (int, error) {
	c := a.c
	c.mu.Lock()
	defer c.mu.Unlock()
	a.partial = append(a.partial, p...)
	i := bytes.LastIndexByte(a.partial, '\n')
	if i < 0 {
		return len(p), nil
	}
	whole := a.partial[:i+1]
	if c.closed || c.lines == 0 {
		_, err := a.w.Write(whole)
		a.partial = append(a.partial[:0], a.partial[i+1:]...)
		return len(p), err
	}
	_, _ = c.tty.Write(eraseLines(c.lines))
	_, err := a.w.Write(whole)
	_, _ = c.tty.Write(c.frame)
	a.partial = append(a.partial[:0], a.partial[i+1:]...)
	return len(p), err
}
