package hdfstest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DataTransferProtocol constants.
const (
	transferVersion  = 28
	opReadBlock      = 81
	bytesPerChecksum = 512
	packetSize       = 64 << 10 // data bytes per packet, a whole number of chunks
	blockPool        = "BP-hdfstest-127.0.0.1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// datanode serves the DataTransferProtocol read path for the blocks whose
// replicas it holds.
type datanode struct {
	c     *Cluster
	index int
	uuid  string
	srv

	mu     sync.Mutex
	armed  bool  // fault injection on
	budget int64 // bytes each read connection may send while armed
}

// info describes the datanode as a DatanodeInfoProto.
func (dn *datanode) info() protoreflect.Message {
	host, port, _ := net.SplitHostPort(dn.addr())
	p, _ := strconv.Atoi(port)
	id := build(hadoopHDFS+"DatanodeIDProto", fields{
		"ipAddr": host, "hostName": host, "datanodeUuid": dn.uuid,
		"xferPort": uint32(p), "infoPort": uint32(0), "ipcPort": uint32(0),
	})
	return build(hadoopHDFS+"DatanodeInfoProto", fields{"id": id, "location": "/default-rack", "adminState": enum("NORMAL")})
}

// failAfter arms fault injection: every read connection is cut after n
// bytes of its packet stream; n == 0 drops connections at once.
func (dn *datanode) failAfter(n int64) {
	dn.mu.Lock()
	dn.armed, dn.budget = true, n
	dn.mu.Unlock()
}

func (dn *datanode) heal() {
	dn.mu.Lock()
	dn.armed = false
	dn.mu.Unlock()
}

// limit returns the byte budget of a new connection, or -1 for none.
func (dn *datanode) limit() int64 {
	dn.mu.Lock()
	defer dn.mu.Unlock()
	if !dn.armed {
		return -1
	}
	return dn.budget
}

// serveConn handles operations on one connection until the client closes it.
func (dn *datanode) serveConn(conn net.Conn) {
	budget := dn.limit()
	if budget == 0 {
		reset(conn) // a dead datanode: the connection is reset at once
		return
	}
	r := bufio.NewReader(conn)
	var w io.Writer = conn
	if budget > 0 {
		w = &cutWriter{conn: conn, left: budget}
	}
	bw := bufio.NewWriterSize(w, 128<<10)
	for {
		var hdr [3]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		if v := binary.BigEndian.Uint16(hdr[:2]); v != transferVersion {
			dn.c.logf("datanode %d: data transfer version %d, want %d", dn.index, v, transferVersion)
			return
		}
		if hdr[2] != opReadBlock {
			dn.c.logf("datanode %d: op %d not supported", dn.index, hdr[2])
			_ = dn.answer(bw, "ERROR_UNSUPPORTED", fmt.Sprintf("op %d not supported by hdfstest", hdr[2]), nil)
			return
		}
		op, err := readDelimited(r, hadoopHDFS+"OpReadBlockProto")
		if err != nil {
			dn.c.logf("datanode %d: %v", dn.index, err)
			return
		}
		dn.c.blockReads.Add(1)
		if err := dn.readBlock(bw, op); err != nil {
			if !errors.Is(err, errCut) && !errors.Is(err, net.ErrClosed) {
				dn.c.logf("datanode %d: %v", dn.index, err)
			}
			return
		}
		// The client may answer with a ClientReadStatusProto, or just hang up.
		if _, err := readDelimited(r, hadoopHDFS+"ClientReadStatusProto"); err != nil {
			return
		}
	}
}

// readBlock answers one OP_READ_BLOCK: the BlockOpResponseProto, then the
// packets of the requested range, then the empty last packet.
func (dn *datanode) readBlock(w *bufio.Writer, op protoreflect.Message) error {
	eb := field(field(field(op, "header").Message(), "baseHeader").Message(), "block").Message()
	id, gen := field(eb, "blockId").Uint(), field(eb, "generationStamp").Uint()
	off, length := int64(field(op, "offset").Uint()), int64(field(op, "len").Uint())
	data, err := dn.replica(id, gen)
	if err != nil {
		return dn.answer(w, "ERROR", err.Error(), nil)
	}
	if off < 0 || off > int64(len(data)) {
		return dn.answer(w, "ERROR_INVALID", fmt.Sprintf("offset %d outside block of %d bytes", off, len(data)), nil)
	}
	end := min(off+length, int64(len(data)))
	start := off - off%bytesPerChecksum
	if end < int64(len(data)) && end%bytesPerChecksum != 0 {
		end = min(end-end%bytesPerChecksum+bytesPerChecksum, int64(len(data)))
	}
	info := build(hadoopHDFS+"ReadOpChecksumInfoProto", fields{
		"checksum":    build(hadoopHDFS+"ChecksumProto", fields{"type": enum("CHECKSUM_CRC32C"), "bytesPerChecksum": uint32(bytesPerChecksum)}),
		"chunkOffset": uint64(start),
	})
	if err := dn.answer(w, "SUCCESS", "", info); err != nil {
		return err
	}
	seq := int64(0)
	sums := make([]byte, 0, packetSize/bytesPerChecksum*4)
	for pos := start; pos < end; pos += packetSize {
		chunk := data[pos:min(pos+packetSize, end)]
		sums = sums[:0]
		for c := 0; c < len(chunk); c += bytesPerChecksum {
			sums = binary.BigEndian.AppendUint32(sums, crc32.Checksum(chunk[c:min(c+bytesPerChecksum, len(chunk))], castagnoli))
		}
		if err := writePacket(w, pos, seq, false, sums, chunk); err != nil {
			return err
		}
		seq++
	}
	if err := writePacket(w, end, seq, true, nil, nil); err != nil {
		return err
	}
	return w.Flush()
}

// replica returns the bytes of block id if this datanode holds a replica.
func (dn *datanode) replica(id, gen uint64) ([]byte, error) {
	ns := dn.c.ns
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	b := ns.blocks[id]
	if b == nil || b.gen != gen {
		return nil, fmt.Errorf("replica not found for BP-hdfstest:blk_%d_%d", id, gen)
	}
	for _, i := range b.replicas {
		if i == dn.index {
			return b.data, nil
		}
	}
	return nil, fmt.Errorf("replica blk_%d_%d not on datanode %d", id, gen, dn.index)
}

// answer writes a BlockOpResponseProto.
func (dn *datanode) answer(w *bufio.Writer, status enum, msg string, info protoreflect.Message) error {
	f := fields{"status": status}
	if msg != "" {
		f["message"] = msg
	}
	if info != nil {
		f["readOpChecksumInfo"] = info
	}
	b, err := appendDelimited(nil, build(hadoopHDFS+"BlockOpResponseProto", f))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Flush()
}

// writePacket writes one packet: payload length (4 + checksums + data),
// header length, PacketHeaderProto, checksums, data.
func writePacket(w *bufio.Writer, off, seq int64, last bool, sums, data []byte) error {
	h := build(hadoopHDFS+"PacketHeaderProto", fields{
		"offsetInBlock": off, "seqno": seq, "lastPacketInBlock": last, "dataLen": int32(len(data)),
	})
	hb, err := proto.Marshal(h.Interface())
	if err != nil {
		return err
	}
	var pre [6]byte
	binary.BigEndian.PutUint32(pre[:4], uint32(4+len(sums)+len(data)))
	binary.BigEndian.PutUint16(pre[4:], uint16(len(hb)))
	for _, b := range [][]byte{pre[:], hb, sums, data} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// errCut is the error of a connection cut by fault injection.
var errCut = errors.New("connection cut by fault injection")

// reset closes conn with a TCP RST, as the peer of a crashed datanode
// sees it. (A plain close sends FIN, which the client takes for the end of
// the block when it falls between packets, and then retries the same
// datanode forever.)
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// cutWriter passes left bytes to conn, then resets it.
type cutWriter struct {
	conn net.Conn
	left int64
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if int64(len(b)) <= c.left {
		c.left -= int64(len(b))
		return c.conn.Write(b)
	}
	n, _ := c.conn.Write(b[:c.left])
	c.left = 0
	reset(c.conn)
	return n, errCut
}
