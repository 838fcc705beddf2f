package core

import "testing"

func TestScheme(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"/data/numbers.txt", "file"},
		{"numbers.txt", "file"},
		{"file:///data/x", "file"},
		{"HTTP://host/x", "http"},
		{"hdfs:///x", "hdfs"},
		{"ftps://u:p@h/x", "ftps"},
		{"/odd/path://x", "file"},
		{"data:text/plain;base64,SGk=", "data"},
		{"DATA:,hello", "data"},
		{"py+file:///x", "py+file"},
		{"c:/x", "file"},
		{"some file: notes.txt", "file"},
		{"1ab:x", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			if got := Scheme(tt.uri); got != tt.want {
				t.Errorf("Scheme(%q) = %q, want %q", tt.uri, got, tt.want)
			}
		})
	}
}
