package collector

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPost measures one stored result end to end through the handler,
// fsync included.
func BenchmarkPost(b *testing.B) {
	c, err := New(Options{Committer: newFileCommitter(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tokens := make([]string, b.N)
	for i := range b.N {
		if tokens[i], err = c.Register(fmt.Sprint(i)); err != nil {
			b.Fatal(err)
		}
	}
	h := c.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/v1/results/"+fmt.Sprint(i),
			strings.NewReader(`{"output":{"sum":6},"display":"sum of 1 2 3 = 6"}`))
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
