package localcluster

import (
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestFetchRootCAs: agents fetch an https URI whose certificate only
// FetchRootCAs trusts; without it the fetch fails the task, naming the
// URI and the certificate error.
func TestFetchRootCAs(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "#!/bin/sh\necho fetched over https\n")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tests := []struct {
		name      string
		roots     *x509.CertPool
		wantState mesos.TaskState
		wantMsg   string
	}{
		{"trusted", pool, mesos.TASK_FINISHED, ""},
		{"system roots only", nil, mesos.TASK_FAILED, "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startCluster(t, Config{FetchRootCAs: tt.roots})
			f := subscribe(t, c, protobufCodec(), frameworkInfo("tls"))
			ti := commandTask("t", 0.5, 32, "./run.sh")
			ti.Command.URIs = []mesos.CommandInfo_URI{{Value: srv.URL + "/run.sh", Executable: ptr(true)}}
			f.launch(f.offers()[0], ti)
			for {
				st := f.update(true)
				if !isTerminal(st.GetState()) {
					continue
				}
				if st.GetState() != tt.wantState || !strings.Contains(st.GetMessage(), tt.wantMsg) {
					t.Fatalf("task: %v (%q), want %v with %q", st.GetState(), st.GetMessage(), tt.wantState, tt.wantMsg)
				}
				break
			}
			if tt.wantState == mesos.TASK_FINISHED {
				if got := readTaskFile(t, c, "t", "stdout"); got != "fetched over https\n" {
					t.Errorf("stdout %q", got)
				}
			}
		})
	}
}
