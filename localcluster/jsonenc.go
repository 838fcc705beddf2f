package localcluster

import (
	"bytes"
	"encoding/json"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
)

// eventEncoder is the codec's encoder, except that JSON leaves out empty
// fields as Mesos's JSON does (a protobuf field that is not set, or a
// repeated field with no elements, is absent): mesos-go's JSON writes the
// Go struct, with null for every nil slice and message.
func eventEncoder(codec encoding.Codec, sink encoding.Sink) encoding.Encoder {
	if codec.Type != codecs.MediaTypeJSON {
		return codec.NewEncoder(sink)
	}
	w := sink()
	return encoding.EncoderFunc(func(m encoding.Marshaler) error {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if b, err = dropEmpty(b); err != nil {
			return err
		}
		return w.WriteFrame(b)
	})
}

// dropEmpty re-encodes a JSON document without nulls and empty arrays.
func dropEmpty(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep 64-bit integers exact
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(pruned(v))
}

func pruned(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if empty(e) {
				delete(v, k)
				continue
			}
			v[k] = pruned(e)
		}
	case []any:
		for i, e := range v {
			v[i] = pruned(e)
		}
	}
	return v
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	}
	return false
}
