package mesoscluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/localcluster"
)

// TestAuthRefused: a master that answers SUBSCRIBE with 401 ends Run at
// once with an *AuthError naming the principal (not the secret), rather
// than retrying until ConnectTimeout; the right secret subscribes.
func TestAuthRefused(t *testing.T) {
	lc := localcluster.New(localcluster.Config{
		Agents: 1, CPUs: 1, MemMB: 64, WorkDir: t.TempDir(),
		Credentials: map[string]string{"batchd": "right"},
	})
	if err := lc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lc.Close() })
	tests := []struct {
		name, principal, secret string
		want                    string // "" subscribes
	}{
		{"right secret", "batchd", "right", ""},
		{"wrong secret", "batchd", "wrong", `refused the credentials of principal "batchd" (401 Unauthorized)`},
		{"unknown principal", "intruder", "right", `principal "intruder"`},
		{"no credentials", "", "", "requires authentication (401 Unauthorized) and no credentials were sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := New(Config{Master: lc.URL(), FrameworkName: "auth", Principal: tt.principal, Secret: tt.secret,
				ConnectTimeout: 10 * time.Minute})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := make(chan core.Event, 16)
			done := make(chan error, 1)
			go func() { done <- cl.Run(ctx, events) }()
			if tt.want == "" {
				for ev := range events {
					if ev.Subscribed != nil {
						break
					}
				}
				cancel()
				if err := <-done; err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			err := <-done // ConnectTimeout is 10 minutes: only a final refusal returns
			var aerr *AuthError
			if !errors.As(err, &aerr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want an *AuthError saying %q", err, tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}
