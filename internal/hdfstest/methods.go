package hdfstest

import (
	"fmt"
	"path"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// handler runs one ClientProtocol method for user.
type handler func(user string, req protoreflect.Message) (protoreflect.Message, error)

// methods lists the ClientProtocol methods served: the read and list path
// of the client plus the cheap summaries its CLI asks for.
func (nn *namenode) methods() map[string]handler {
	return map[string]handler{
		"getFileInfo":       nn.getFileInfo,
		"getListing":        nn.getListing,
		"getBlockLocations": nn.getBlockLocations,
		"getServerDefaults": nn.getServerDefaults,
		"renewLease":        nn.renewLease,
		"getContentSummary": nn.getContentSummary,
		"getFsStats":        nn.getFsStats,
	}
}

func (nn *namenode) getFileInfo(user string, req protoreflect.Message) (protoreflect.Message, error) {
	ns := nn.c.ns
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	n, err := ns.lookup(field(req, "src").String(), user)
	if err != nil {
		return nil, err
	}
	resp := fields{}
	if n != nil {
		// HDFS leaves the path empty in getFileInfo: the client knows it.
		resp["fs"] = nn.status(n, "")
	}
	return build(hadoopHDFS+"GetFileInfoResponseProto", resp), nil
}

func (nn *namenode) getListing(user string, req protoreflect.Message) (protoreflect.Message, error) {
	ns := nn.c.ns
	src := field(req, "src").String()
	after := string(field(req, "startAfter").Bytes())
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	n, err := ns.lookup(src, user)
	if err != nil {
		return nil, err
	}
	if n == nil {
		// A missing path has no dirList; the client reports os.ErrNotExist.
		return build(hadoopHDFS+"GetListingResponseProto", fields{}), nil
	}
	if n.denied {
		return nil, denied(user, path.Clean(src))
	}
	var page []protoreflect.Message
	remaining := 0
	if !n.dir {
		page = append(page, nn.status(n, n.name))
	} else {
		for _, name := range sortedChildren(n) {
			if name <= after {
				continue
			}
			if len(page) == nn.c.opts.ListingLimit {
				remaining++
				continue
			}
			page = append(page, nn.status(n.children[name], name))
		}
	}
	list := build(hadoopHDFS+"DirectoryListingProto", fields{"partialListing": page, "remainingEntries": remaining})
	return build(hadoopHDFS+"GetListingResponseProto", fields{"dirList": list}), nil
}

func (nn *namenode) getBlockLocations(user string, req protoreflect.Message) (protoreflect.Message, error) {
	ns := nn.c.ns
	src := field(req, "src").String()
	off := int64(field(req, "offset").Uint())
	length := int64(field(req, "length").Uint())
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	n, err := ns.lookup(src, user)
	if err != nil {
		return nil, err
	}
	switch {
	case n == nil:
		return nil, &remoteError{fileNotFound, "File does not exist: " + path.Clean(src)}
	case n.denied:
		return nil, &remoteError{accessControl, fmt.Sprintf("Permission denied: user=%s, access=READ, inode=%q", user, path.Clean(src))}
	case n.dir:
		return nil, &remoteError{fileNotFound, "Path is not a file: " + path.Clean(src)}
	}
	var located []protoreflect.Message
	for _, b := range n.blocks {
		end := b.offset + int64(len(b.data))
		if end > off && (b.offset < off+length || length == 0 && b.offset == off) {
			located = append(located, nn.locatedBlock(b))
		}
	}
	lb := fields{"fileLength": uint64(n.length), "blocks": located, "underConstruction": false, "isLastBlockComplete": true}
	if len(n.blocks) > 0 {
		lb["lastBlock"] = nn.locatedBlock(n.blocks[len(n.blocks)-1])
	}
	locs := build(hadoopHDFS+"LocatedBlocksProto", lb)
	return build(hadoopHDFS+"GetBlockLocationsResponseProto", fields{"locations": locs}), nil
}

func (nn *namenode) getServerDefaults(string, protoreflect.Message) (protoreflect.Message, error) {
	d := build(hadoopHDFS+"FsServerDefaultsProto", fields{
		"blockSize":           uint64(nn.c.opts.BlockSize),
		"bytesPerChecksum":    uint32(bytesPerChecksum),
		"writePacketSize":     uint32(packetSize),
		"replication":         uint32(nn.c.opts.Replication),
		"fileBufferSize":      uint32(4096),
		"encryptDataTransfer": false,
		"trashInterval":       uint64(0),
		"checksumType":        enum("CHECKSUM_CRC32C"),
	})
	return build(hadoopHDFS+"GetServerDefaultsResponseProto", fields{"serverDefaults": d}), nil
}

func (nn *namenode) renewLease(string, protoreflect.Message) (protoreflect.Message, error) {
	return build(hadoopHDFS+"RenewLeaseResponseProto", nil), nil
}

func (nn *namenode) getContentSummary(user string, req protoreflect.Message) (protoreflect.Message, error) {
	ns := nn.c.ns
	src := field(req, "path").String()
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	n, err := ns.lookup(src, user)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, &remoteError{fileNotFound, "File does not exist: " + path.Clean(src)}
	}
	var length, files, dirs uint64
	var walk func(*inode)
	walk = func(n *inode) {
		if !n.dir {
			files++
			length += uint64(n.length)
			return
		}
		dirs++
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	s := build(hadoopHDFS+"ContentSummaryProto", fields{
		"length": length, "fileCount": files, "directoryCount": dirs,
		"quota": int64(-1), "spaceConsumed": length * uint64(nn.c.opts.Replication), "spaceQuota": int64(-1),
	})
	return build(hadoopHDFS+"GetContentSummaryResponseProto", fields{"summary": s}), nil
}

func (nn *namenode) getFsStats(string, protoreflect.Message) (protoreflect.Message, error) {
	ns := nn.c.ns
	ns.mu.RLock()
	var used uint64
	for _, b := range ns.blocks {
		used += uint64(len(b.data) * len(b.replicas))
	}
	ns.mu.RUnlock()
	const capacity = 1 << 40
	return build(hadoopHDFS+"GetFsStatsResponseProto", fields{
		"capacity": uint64(capacity), "used": used, "remaining": capacity - used,
		"under_replicated": uint64(0), "corrupt_blocks": uint64(0), "missing_blocks": uint64(0),
	}), nil
}

// status describes n as an HdfsFileStatusProto named name.
func (nn *namenode) status(n *inode, name string) protoreflect.Message {
	ms := uint64(n.mtime.UnixMilli())
	f := fields{
		"fileType":          enum("IS_FILE"),
		"path":              []byte(name),
		"length":            uint64(n.length),
		"permission":        build(hadoopHDFS+"FsPermissionProto", fields{"perm": n.perm}),
		"owner":             n.owner,
		"group":             n.group,
		"modification_time": ms,
		"access_time":       ms,
		"fileId":            n.id,
	}
	if n.dir {
		f["fileType"] = enum("IS_DIR")
		f["length"] = uint64(0)
		f["childrenNum"] = int32(len(n.children))
	} else {
		f["block_replication"] = uint32(nn.c.opts.Replication)
		f["blocksize"] = uint64(nn.c.opts.BlockSize)
	}
	return build(hadoopHDFS+"HdfsFileStatusProto", f)
}

// locatedBlock describes b and the datanodes holding it.
func (nn *namenode) locatedBlock(b *block) protoreflect.Message {
	var locs []protoreflect.Message
	for _, i := range b.replicas {
		locs = append(locs, nn.c.datanodes[i].info())
	}
	token := build(hadoopCommon+"TokenProto", fields{"identifier": []byte{}, "password": []byte{}, "kind": "", "service": ""})
	return build(hadoopHDFS+"LocatedBlockProto", fields{
		"b":          extendedBlock(b),
		"offset":     uint64(b.offset),
		"locs":       locs,
		"corrupt":    false,
		"blockToken": token,
	})
}

func extendedBlock(b *block) protoreflect.Message {
	return build(hadoopHDFS+"ExtendedBlockProto", fields{
		"poolId": blockPool, "blockId": b.id, "generationStamp": b.gen, "numBytes": uint64(len(b.data)),
	})
}
