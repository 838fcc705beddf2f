package sdk_test

import (
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/workload"
)

// TestProtocolVersionIsTheHandshakes keeps the SDK's version the one both
// handshakes announce.
func TestProtocolVersionIsTheHandshakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  uint
	}{
		{"workload handshake", workload.Handshake.ProtocolVersion},
		{"fetcher handshake", fetcher.Handshake.ProtocolVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != sdk.ProtocolVersion {
				t.Errorf("%s speaks protocol %d, sdk.ProtocolVersion is %d", tc.name, tc.got, sdk.ProtocolVersion)
			}
		})
	}
}
