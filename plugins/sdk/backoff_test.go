package sdk

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, 500 * time.Millisecond, time.Second},
		{1000, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("retry %d", tt.n), func(t *testing.T) {
			for range 100 {
				if d := b.Delay(tt.n); d < tt.min || d > tt.max {
					t.Fatalf("Delay = %s, want within [%s, %s]", d, tt.min, tt.max)
				}
			}
		})
	}
	if d := (&Backoff{}).Delay(3); d != 0 {
		t.Errorf("zero Backoff: Delay = %s, want 0", d)
	}
	if d := (&Backoff{Base: time.Second, Max: time.Millisecond}).Delay(1); d < time.Second/2 || d > time.Second {
		t.Errorf("Max below Base: Delay = %s, want within Base", d)
	}
}

func TestBackoffRetryAfterFloor(t *testing.T) {
	tests := []struct {
		after    time.Duration
		min, max time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{700 * time.Millisecond, 700 * time.Millisecond, 700 * time.Millisecond},
		{time.Hour, time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.after.String(), func(t *testing.T) {
			for range 100 {
				b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, failed: 1}
				b.floor = tt.after
				if d := b.pause(); d < tt.min || d > tt.max {
					t.Fatalf("pause = %s, want within [%s, %s]", d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestBackoffNext(t *testing.T) {
	tests := []struct {
		name     string
		retries  int
		resetAt  int // Reset after this attempt (0: never)
		attempts int // attempts Next allows
	}{
		{"no retries", 0, 0, 1},
		{"three retries", 3, 0, 4},
		{"progress starts the retries over", 2, 2, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Backoff{Base: time.Microsecond, Max: time.Microsecond, Retries: tt.retries}
			for b.Next(context.Background()) {
				if b.Attempts() == tt.resetAt {
					b.Reset()
				}
				if b.Attempts() > 100 {
					t.Fatal("Next never stops")
				}
			}
			if b.Attempts() != tt.attempts {
				t.Errorf("%d attempts, want %d", b.Attempts(), tt.attempts)
			}
		})
	}
}

func TestBackoffRetryAfter(t *testing.T) {
	b := Backoff{Base: time.Microsecond, Max: time.Hour, Retries: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	b.Next(ctx)
	b.floor = time.Minute // a Retry-After longer than ctx lives: Next must give up with ctx
	if b.Next(ctx) {
		t.Fatal("Next waited out a minute-long Retry-After within a 20ms context")
	}
	if ctx.Err() == nil {
		t.Fatal("Next returned before ctx ended")
	}
}

func TestBackoffContext(t *testing.T) {
	b := Backoff{Base: time.Hour, Max: time.Hour, Retries: 5}
	ctx, cancel := context.WithCancel(context.Background())
	if !b.Next(ctx) {
		t.Fatal("first attempt refused")
	}
	done := make(chan bool)
	go func() { done <- b.Next(ctx) }()
	cancel()
	if <-done {
		t.Error("Next allowed a retry after ctx was cancelled")
	}
	if b.Attempts() != 1 {
		t.Errorf("%d attempts, want 1", b.Attempts())
	}
	if b.Next(ctx) {
		t.Error("Next allowed an attempt on a cancelled ctx")
	}
}
