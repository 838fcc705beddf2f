package hdfstest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Hadoop RPC constants, as the client sends them.
const (
	rpcVersion       = 9
	authNone         = 0
	handshakeCallID  = -3
	maxRPCPacket     = 64 << 20
	clientProtocol   = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	hadoopCommon     = "hadoop.common."
	hadoopHDFS       = "hadoop.hdfs."
	rpcRequestHeader = hadoopCommon + "RpcRequestHeaderProto"
)

// namenode serves Hadoop RPC (ClientProtocol) over TCP.
type namenode struct {
	c *Cluster
	srv
}

// serveConn handles one client connection: the connection header, the
// connection context, then calls until the client goes away.
func (nn *namenode) serveConn(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 64<<10)
	var hdr [7]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return
	}
	if string(hdr[:4]) != "hrpc" || hdr[4] != rpcVersion {
		nn.c.logf("namenode: %s: bad connection header % x", conn.RemoteAddr(), hdr)
		return
	}
	if hdr[6] != authNone {
		// SASL (Kerberos) is not served: a secure client gets a fatal error.
		nn.c.logf("namenode: %s: auth protocol %#x not supported", conn.RemoteAddr(), hdr[6])
		return
	}
	user := ""
	for {
		packet, err := readFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				nn.c.logf("namenode: %s: %v", conn.RemoteAddr(), err)
			}
			return
		}
		rh, rest, err := splitDelimited(packet, rpcRequestHeader)
		if err != nil {
			nn.c.logf("namenode: %s: %v", conn.RemoteAddr(), err)
			return
		}
		callID := int32(field(rh, "callId").Int())
		clientID := field(rh, "clientId").Bytes()
		if callID == handshakeCallID {
			ctx, _, err := splitDelimited(rest, hadoopCommon+"IpcConnectionContextProto")
			if err != nil {
				nn.c.logf("namenode: %s: %v", conn.RemoteAddr(), err)
				return
			}
			user = field(field(ctx, "userInfo").Message(), "effectiveUser").String()
			continue
		}
		resp, err := nn.call(user, rest)
		out, werr := response(callID, clientID, resp, err)
		if werr != nil {
			nn.c.logf("namenode: %s: %v", conn.RemoteAddr(), werr)
			return
		}
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

// readFrame reads one 4-byte big-endian length-prefixed frame.
func readFrame(r io.Reader) ([]byte, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if n > maxRPCPacket {
		return nil, fmt.Errorf("rpc packet of %d bytes over %d", n, maxRPCPacket)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading rpc packet: %w", err)
	}
	return b, nil
}

// call decodes the RequestHeaderProto and request in b and runs the method.
func (nn *namenode) call(user string, b []byte) (protoreflect.Message, error) {
	rh, rest, err := splitDelimited(b, hadoopCommon+"RequestHeaderProto")
	if err != nil {
		return nil, &remoteError{ioException, err.Error()}
	}
	method := field(rh, "methodName").String()
	if proto := field(rh, "declaringClassProtocolName").String(); proto != clientProtocol {
		return nil, &remoteError{noSuchMethod, fmt.Sprintf("unknown protocol %s", proto)}
	}
	h, ok := nn.methods()[method]
	if !ok {
		return nil, &remoteError{noSuchMethod, fmt.Sprintf("unknown method %s called on %s protocol", method, clientProtocol)}
	}
	req, _, err := splitDelimited(rest, hadoopHDFS+upperFirst(method)+"RequestProto")
	if err != nil {
		return nil, &remoteError{ioException, err.Error()}
	}
	return h(user, req)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return string(unicode.ToUpper(rune(s[0]))) + s[1:]
}

// response frames the answer to call callID: RpcResponseHeaderProto and,
// on success, the response message.
func response(callID int32, clientID []byte, resp protoreflect.Message, err error) ([]byte, error) {
	hdr := fields{"callId": uint32(callID), "status": enum("SUCCESS"), "serverIpcVersionNum": uint32(rpcVersion), "clientId": clientID}
	if err != nil {
		re, ok := err.(*remoteError)
		if !ok {
			re = &remoteError{ioException, err.Error()}
		}
		detail := enum("ERROR_APPLICATION")
		if re.class == noSuchMethod {
			detail = "ERROR_NO_SUCH_METHOD"
		}
		hdr["status"] = enum("ERROR")
		hdr["exceptionClassName"] = re.class
		hdr["errorMsg"] = re.msg
		hdr["errorDetail"] = detail
		resp = nil
	}
	body, merr := appendDelimited(nil, build(rpcResponseHeader, hdr))
	if merr != nil {
		return nil, merr
	}
	if resp != nil {
		if body, merr = appendDelimited(body, resp); merr != nil {
			return nil, merr
		}
	}
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(body)))
	buf.Write(body)
	return buf.Bytes(), nil
}

const rpcResponseHeader = hadoopCommon + "RpcResponseHeaderProto"
