package jobs

import (
	"strings"
	"testing"
)

// TestBlobOf: a staged URI is identified by its digest and name, whatever
// the advertised address, and whether or not it carries a token (a job
// recorded before artifact URLs had tokens resumes as unchanged).
func TestBlobOf(t *testing.T) {
	d := strings.Repeat("ab", 32)
	tok := strings.Repeat("0f", 16)
	tests := []struct{ name, a, b string }{
		{"token or not", "http://h:1/artifacts/" + d + "/tool", "https://other:2/artifacts/" + tok + "/" + d + "/tool"},
		{"another address", "http://h:1/artifacts/" + tok + "/" + d + "/tool", "http://g:9/artifacts/" + tok + "/" + d + "/tool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if blobOf(tt.a) != blobOf(tt.b) {
				t.Errorf("blobOf(%s) = %q, blobOf(%s) = %q: want equal", tt.a, blobOf(tt.a), tt.b, blobOf(tt.b))
			}
		})
	}
	if blobOf("http://h/artifacts/"+tok+"/"+d+"/tool") == blobOf("http://h/artifacts/"+tok+"/"+d+"/other") {
		t.Error("another name gave the same blob")
	}
	if got := blobOf("ftp://x/y"); got != "ftp://x/y" {
		t.Errorf("direct URI = %q", got)
	}
}
