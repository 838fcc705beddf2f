package hdfstest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	// The client registers the Hadoop message types this server builds.
	_ "github.com/colinmarc/hdfs/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The server has no generated code of its own for Hadoop messages: a second
// copy of the .proto files would clash with the client's in protobuf-go's
// registry. It finds the client's types by full name and sets their fields
// through protoreflect.

// fields holds the values of a message under construction, by field name.
// Values may be string, []byte, bool, any Go integer, enum (a value name),
// protoreflect.Message, or []protoreflect.Message for repeated messages.
type fields map[string]any

// enum names an enum value by its name, such as "IS_FILE".
type enum string

// newMessage returns an empty message of the registered type name
// ("hadoop.hdfs.GetFileInfoRequestProto").
func newMessage(name string) (protoreflect.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		return nil, fmt.Errorf("finding message type %s: %w", name, err)
	}
	return mt.New(), nil
}

// build returns a message of type name with fs set. A wrong field name or
// value type is a bug in this package and panics.
func build(name string, fs fields) protoreflect.Message {
	m, err := newMessage(name)
	if err != nil {
		panic(err)
	}
	for k, v := range fs {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(k))
		if fd == nil {
			panic(fmt.Sprintf("hdfstest: %s has no field %s", name, k))
		}
		if list, ok := v.([]protoreflect.Message); ok {
			l := m.Mutable(fd).List()
			for _, e := range list {
				l.Append(protoreflect.ValueOfMessage(e))
			}
			continue
		}
		m.Set(fd, value(fd, v))
	}
	return m
}

// value converts a Go value to the protoreflect value field fd holds.
func value(fd protoreflect.FieldDescriptor, v any) protoreflect.Value {
	switch x := v.(type) {
	case string:
		if fd.Kind() == protoreflect.BytesKind {
			return protoreflect.ValueOfBytes([]byte(x))
		}
		return protoreflect.ValueOfString(x)
	case []byte:
		return protoreflect.ValueOfBytes(x)
	case bool:
		return protoreflect.ValueOfBool(x)
	case enum:
		ev := fd.Enum().Values().ByName(protoreflect.Name(x))
		if ev == nil {
			panic(fmt.Sprintf("hdfstest: enum %s has no value %s", fd.Enum().FullName(), x))
		}
		return protoreflect.ValueOfEnum(ev.Number())
	case protoreflect.Message:
		return protoreflect.ValueOfMessage(x)
	case int:
		return integer(fd, int64(x))
	case int32:
		return integer(fd, int64(x))
	case int64:
		return integer(fd, x)
	case uint32:
		return integer(fd, int64(x))
	case uint64:
		return integer(fd, int64(x))
	}
	panic(fmt.Sprintf("hdfstest: field %s: unsupported value %T", fd.FullName(), v))
}

func integer(fd protoreflect.FieldDescriptor, n int64) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(n)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	}
	panic(fmt.Sprintf("hdfstest: field %s is not an integer", fd.FullName()))
}

// field returns the value of field name in m (the default when unset).
func field(m protoreflect.Message, name string) protoreflect.Value {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		panic(fmt.Sprintf("hdfstest: %s has no field %s", m.Descriptor().FullName(), name))
	}
	return m.Get(fd)
}

// appendDelimited appends m, prefixed with its varint length, to b. It fails
// when a required field is missing.
func appendDelimited(b []byte, m protoreflect.Message) ([]byte, error) {
	body, err := proto.Marshal(m.Interface())
	if err != nil {
		return b, fmt.Errorf("encoding %s: %w", m.Descriptor().FullName(), err)
	}
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...), nil
}

// errTruncated means a length prefix pointed past the end of its frame.
var errTruncated = errors.New("truncated message")

// splitDelimited decodes one varint-delimited message of type name from the
// start of b and returns it with the rest of b.
func splitDelimited(b []byte, name string) (protoreflect.Message, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, fmt.Errorf("decoding %s: %w", name, errTruncated)
	}
	m, err := newMessage(name)
	if err != nil {
		return nil, nil, err
	}
	if err := proto.Unmarshal(b[k:k+int(n)], m.Interface()); err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	return m, b[k+int(n):], nil
}

// maxStreamMessage bounds a varint-delimited message read from a stream.
const maxStreamMessage = 1 << 20

// readDelimited reads one varint-delimited message of type name from r.
func readDelimited(r io.ByteReader, name string) (protoreflect.Message, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > maxStreamMessage {
		return nil, fmt.Errorf("decoding %s: length %d over %d", name, n, maxStreamMessage)
	}
	buf := make([]byte, n)
	rr, ok := r.(io.Reader)
	if !ok {
		return nil, fmt.Errorf("decoding %s: reader cannot read bodies", name)
	}
	if _, err := io.ReadFull(rr, buf); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	m, err := newMessage(name)
	if err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(buf, m.Interface()); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	return m, nil
}
