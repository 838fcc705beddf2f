package staging

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name    string
		samples []sample
		want    float64
	}{
		{name: "one sample", samples: []sample{{at(0), 0}}, want: 0},
		{name: "same instant", samples: []sample{{at(0), 0}, {at(0), 100}}, want: 0},
		{name: "steady", samples: []sample{{at(0), 0}, {at(1), 1000}, {at(2), 2000}}, want: 1000},
		{name: "from a resumed offset", samples: []sample{{at(0), 5000}, {at(2), 6000}}, want: 500},
		{name: "old samples slide out", samples: []sample{{at(0), 0}, {at(1), 10000}, {at(7), 11000}, {at(8), 12000}},
			want: 2000.0 / 7},
		{name: "stalled", samples: []sample{{at(0), 0}, {at(1), 5000}, {at(10), 5000}, {at(20), 5000}}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rateMeter{window: 5 * time.Second}
			var got float64
			for _, s := range tt.samples {
				got = r.add(s.at, s.n)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("rate = %v, want %v", got, tt.want)
			}
			if len(r.samples) > len(tt.samples) {
				t.Errorf("%d samples kept", len(r.samples))
			}
		})
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type progressCall struct {
	uri          string
	bytes, total int64
	rate         float64
}

func TestProgress(t *testing.T) {
	var (
		logs  syncBuffer
		mu    sync.Mutex
		calls []progressCall
	)
	record := func(uri string, bytes, total int64, rate float64) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, progressCall{uri, bytes, total, rate})
	}
	s, err := Open(t.TempDir(), Options{Progress: record, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	s.now = clock.now

	data := bytes.Repeat([]byte("x"), 1000)
	fetch := func(ctx context.Context, tg Target) (int64, string, error) {
		for i := int64(1); i <= 10; i++ {
			clock.advance(time.Second)
			tg.Progress(i*100, 1000)
		}
		return 1000, "", os.WriteFile(tg.Dest, data, 0o644)
	}
	uri := "ftp://user:hunter2@h/data.bin"
	if _, err := s.StageFor(context.Background(), nil, uri, "", fetch); err != nil {
		t.Fatal(err)
	}

	if len(calls) != 11 {
		t.Fatalf("%d progress calls, want 10 and a final one: %+v", len(calls), calls)
	}
	want := []progressCall{
		{"ftp://user:xxxxx@h/data.bin", 100, 1000, 100},
		{"ftp://user:xxxxx@h/data.bin", 1000, 1000, 100},
		{"ftp://user:xxxxx@h/data.bin", 1000, 1000, 100},
	}
	for i, got := range []progressCall{calls[0], calls[9], calls[10]} {
		if got != want[i] {
			t.Errorf("progress call %d = %+v, want %+v", i, got, want[i])
		}
	}
	out := logs.String()
	if n := strings.Count(out, `msg="staging: fetching"`); n != 5 {
		t.Errorf("%d progress log lines over 10 s, want 5 (one per 2 s):\n%s", n, out)
	}
	if !strings.Contains(out, `msg="staging: fetched" uri=ftp://user:xxxxx@h/data.bin bytes=1000 resumed_at=0 duration=10s`) {
		t.Errorf("no final log line with size and duration:\n%s", out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("log leaks the password:\n%s", out)
	}
}
