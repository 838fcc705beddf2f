package localcluster

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Authentication, as a Mesos master started with --credentials and
// --authenticate_http_frameworks (HTTP basic, the "basic" authenticator):
// with Config.Credentials set, every request to the scheduler API must
// carry a principal and its secret, and the agents' files API (Mesos's
// --authenticate_http_readonly) wants the same. A missing or wrong one is
// answered 401 with a WWW-Authenticate challenge naming Mesos's realm.

// Mesos's default realms for HTTP authentication (src/master/constants.hpp,
// src/slave/constants.hpp).
const (
	realmScheduler = "mesos-master-scheduler"
	realmReadonly  = "mesos-agent-readonly"
)

// LoadCredentials reads a Mesos credentials file: JSON,
// {"credentials": [{"principal": "p", "secret": "s"}, ...]}, or the older
// text form, one "principal secret" per line. The result maps each
// principal to its secret. Errors name the file (and line) and never
// quote a secret.
func LoadCredentials(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading credentials: %w", err)
	}
	var creds map[string]string
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		creds, err = parseJSONCredentials(t)
	} else {
		creds, err = parseTextCredentials(data)
	}
	if err != nil {
		return nil, fmt.Errorf("credentials %s: %w", path, err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("credentials %s: no credentials in the file", path)
	}
	return creds, nil
}

func parseJSONCredentials(data []byte) (map[string]string, error) {
	var doc struct {
		Credentials []struct {
			Principal *string `json:"principal"`
			Secret    *string `json:"secret"`
		} `json:"credentials"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("invalid JSON at byte %d", syn.Offset)
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	creds := make(map[string]string, len(doc.Credentials))
	for i, c := range doc.Credentials {
		switch {
		case c.Principal == nil || *c.Principal == "":
			return nil, fmt.Errorf("credentials[%d]: no principal", i)
		case c.Secret == nil || *c.Secret == "":
			return nil, fmt.Errorf("credentials[%d] (principal %q): no secret", i, *c.Principal)
		}
		if _, dup := creds[*c.Principal]; dup {
			return nil, fmt.Errorf("credentials[%d]: principal %q listed twice", i, *c.Principal)
		}
		creds[*c.Principal] = *c.Secret
	}
	return creds, nil
}

func parseTextCredentials(data []byte) (map[string]string, error) {
	creds := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want \"principal secret\", got %d fields", n, len(f))
		}
		if _, dup := creds[f[0]]; dup {
			return nil, fmt.Errorf("line %d: principal %q listed twice", n, f[0])
		}
		creds[f[0]] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return creds, nil
}

// requireAuth wraps h so that, when creds is not empty, a request without a
// known principal and its secret is answered 401 with a challenge for realm.
func requireAuth(creds map[string]string, realm string, h http.Handler) http.Handler {
	if len(creds) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(creds, r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
			httpError(w, "", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries the basic credentials of a known
// principal. Secrets are compared through their hashes in constant time,
// so neither their bytes nor their lengths leak through timing.
func authorized(creds map[string]string, r *http.Request) bool {
	principal, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	want, known := creds[principal]
	if !known {
		want = "\x00unknown principal" // compare anyway: the same time either way
	}
	got, exp := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1 && known
}
