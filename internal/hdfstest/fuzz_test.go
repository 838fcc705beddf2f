package hdfstest

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
)

// frame length-prefixes body, as an RPC packet.
func frame(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// rpcSeed is a well-formed connection: header, context, one getFileInfo.
func rpcSeed(t testing.TB) []byte {
	b := []byte("hrpc\x09\x00\x00")
	msg := func(name string, f fields) []byte {
		out, err := appendDelimited(nil, build(name, f))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ctx := append(msg(rpcRequestHeader, fields{"callId": int32(handshakeCallID), "clientId": []byte("0123456789abcdef")}),
		msg(hadoopCommon+"IpcConnectionContextProto", fields{"protocol": clientProtocol, "userInfo": build(hadoopCommon+"UserInformationProto", fields{"effectiveUser": "fuzz"})})...)
	b = append(b, frame(ctx)...)
	call := append(msg(rpcRequestHeader, fields{"callId": int32(0), "clientId": []byte("0123456789abcdef")}),
		msg(hadoopCommon+"RequestHeaderProto", fields{"methodName": "getFileInfo", "declaringClassProtocolName": clientProtocol, "clientProtocolVersion": uint64(1)})...)
	call = append(call, msg(hadoopHDFS+"GetFileInfoRequestProto", fields{"src": "/f"})...)
	return append(b, frame(call)...)
}

// feed runs serve on one end of a pipe, writes in on the other, and
// drains the answers until serve returns.
func feed(serve func(net.Conn), in []byte) {
	client, server := net.Pipe()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer server.Close(); serve(server) }()
	go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, client) }()
	_, _ = client.Write(in)
	// Half-close is not available on a pipe: closing ends the input.
	client.Close()
	wg.Wait()
}

func FuzzNamenodeConn(f *testing.F) {
	c := Start(f, Options{Logf: func(string, ...any) {}})
	if err := c.Put("/f", []byte("data"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Add(rpcSeed(f))
	f.Add([]byte("hrpc\x09\x00\x00\x00\x00\x00\x05\x02\x18\x01"))
	f.Fuzz(func(t *testing.T, in []byte) { feed(c.nn.serveConn, in) })
}

func FuzzDatanodeConn(f *testing.F) {
	c := Start(f, Options{Datanodes: 1, Replication: 1, Logf: func(string, ...any) {}})
	if err := c.Put("/f", make([]byte, 3000), 0o644); err != nil {
		f.Fatal(err)
	}
	b := c.ns.root.children["f"].blocks[0]
	op := build(hadoopHDFS+"OpReadBlockProto", fields{
		"header": build(hadoopHDFS+"ClientOperationHeaderProto", fields{
			"baseHeader": build(hadoopHDFS+"BaseHeaderProto", fields{"block": extendedBlock(b)}),
			"clientName": "fuzz",
		}),
		"offset": uint64(700), "len": uint64(1000),
	})
	seed, err := appendDelimited([]byte{0, transferVersion, opReadBlock}, op)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{0, transferVersion, 85, 2, 10, 0})
	f.Fuzz(func(t *testing.T, in []byte) { feed(c.datanodes[0].serveConn, in) })
}

// TestFuzzSeedsAreServed checks the seeds reach the handlers: the RPC seed
// gets a SUCCESS answer describing /f.
func TestFuzzSeedsAreServed(t *testing.T) {
	c := Start(t, Options{})
	if err := c.Put("/f", []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	client, server := net.Pipe()
	seed := rpcSeed(t)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer server.Close(); c.nn.serveConn(server) }()
	go func() { defer wg.Done(); _, _ = client.Write(seed) }()
	packet, err := readFrame(client)
	client.Close()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	hdr, rest, err := splitDelimited(packet, rpcResponseHeader)
	if err != nil {
		t.Fatal(err)
	}
	if s := field(hdr, "status").Enum(); s != 0 {
		t.Fatalf("status %d: %s", s, field(hdr, "errorMsg").String())
	}
	resp, _, err := splitDelimited(rest, hadoopHDFS+"GetFileInfoResponseProto")
	if err != nil {
		t.Fatal(err)
	}
	if n := field(field(resp, "fs").Message(), "length").Uint(); n != 4 {
		t.Errorf("length = %d, want 4", n)
	}
}
