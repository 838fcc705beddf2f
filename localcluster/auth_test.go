package localcluster

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    map[string]string
		wantErr string // substring; the file's path is checked apart
	}{
		{name: "json", file: `{"credentials": [{"principal": "batchd", "secret": "s1"}, {"principal": "ops", "secret": "s2"}]}`,
			want: map[string]string{"batchd": "s1", "ops": "s2"}},
		{name: "text", file: "batchd s1\n# a comment\n\nops   s2\n", want: map[string]string{"batchd": "s1", "ops": "s2"}},
		{name: "empty", file: "\n", wantErr: "no credentials in the file"},
		{name: "json empty list", file: `{"credentials": []}`, wantErr: "no credentials in the file"},
		{name: "json syntax", file: `{"credentials": [`, wantErr: "invalid JSON"},
		{name: "json unknown key", file: `{"credentials": [{"principal": "p", "secret": "s", "role": "x"}]}`, wantErr: `unknown field "role"`},
		{name: "json no principal", file: `{"credentials": [{"secret": "topsecret"}]}`, wantErr: "credentials[0]: no principal"},
		{name: "json no secret", file: `{"credentials": [{"principal": "p"}]}`, wantErr: `credentials[0] (principal "p"): no secret`},
		{name: "json twice", file: `{"credentials": [{"principal": "p", "secret": "a"}, {"principal": "p", "secret": "b"}]}`,
			wantErr: `credentials[1]: principal "p" listed twice`},
		{name: "text one field", file: "batchd s1\ntopsecret\n", wantErr: `line 2: want "principal secret", got 1 fields`},
		{name: "text three fields", file: "a b c\n", wantErr: "line 1: want"},
		{name: "text twice", file: "p a\np b\n", wantErr: `line 2: principal "p" listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadCredentials(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want one naming %s and saying %q", err, path, tt.wantErr)
				}
				// The file's path is random: it may hold "s1" by chance.
				msg := strings.ReplaceAll(err.Error(), path, "$FILE")
				for _, secret := range []string{"topsecret", "s1", " a,", " b"} {
					if strings.Contains(msg, secret) {
						t.Errorf("error %q quotes a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := LoadCredentials(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: error = %v, want one naming the file", err)
	}
}

// TestAuthentication: with credentials, the scheduler API and the agents'
// files API answer 401 with Mesos's challenge to a request without the
// right principal and secret, and serve one with them.
func TestAuthentication(t *testing.T) {
	c := startCluster(t, Config{Credentials: map[string]string{"batchd": "s3cret", "ops": "other"}})
	agent := "http://" + c.state.agents[0].ln.Addr().String()
	scheduler := c.URL() + "/api/v1/scheduler"
	type auth struct{ user, pass string }
	tests := []struct {
		name      string
		method    string
		url       string
		auth      *auth
		status    int
		challenge string
	}{
		{"scheduler, none", "POST", scheduler, nil, 401, `Basic realm="mesos-master-scheduler"`},
		{"scheduler, wrong secret", "POST", scheduler, &auth{"batchd", "guess"}, 401, `Basic realm="mesos-master-scheduler"`},
		{"scheduler, another's secret", "POST", scheduler, &auth{"batchd", "other"}, 401, `Basic realm="mesos-master-scheduler"`},
		{"scheduler, unknown principal", "POST", scheduler, &auth{"nobody", "s3cret"}, 401, `Basic realm="mesos-master-scheduler"`},
		{"scheduler, empty secret", "POST", scheduler, &auth{"batchd", ""}, 401, `Basic realm="mesos-master-scheduler"`},
		{"scheduler, secret prefix", "POST", scheduler, &auth{"batchd", "s3cre"}, 401, `Basic realm="mesos-master-scheduler"`},
		// Past authentication, the call is checked: no Content-Type is a 400.
		{"scheduler, right", "POST", scheduler, &auth{"batchd", "s3cret"}, 400, ""},
		{"scheduler, second principal", "POST", scheduler, &auth{"ops", "other"}, 400, ""},
		{"agent files, none", "GET", agent + "/files/browse?path=/", nil, 401, `Basic realm="mesos-agent-readonly"`},
		{"agent files, right", "GET", agent + "/files/browse?path=/nothing", &auth{"batchd", "s3cret"}, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != nil {
				req.SetBasicAuth(tt.auth.user, tt.auth.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
		})
	}
}
