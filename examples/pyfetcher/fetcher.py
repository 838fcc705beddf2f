"""batchd-fetcher-pyfile: a batchd fetcher plugin written in Python.

It serves go-plugin's gRPC protocol by hand, with nothing from batchd but
the fetcher's .proto (plugins/fetcher/proto/fetcher.proto), proving the
plugin contract is language-neutral. It handles py+file:// URIs, which
name local files (py+file:///srv/texts.tar.gz), and resumes from
FetchRequest.offset with a seek.

What go-plugin asks of a plugin, in order:
  1. check the magic cookie: batchd sets BATCHD_PLUGIN to the fetcher
     contract's cookie; anything else means "not started by batchd";
  2. serve gRPC on 127.0.0.1, port chosen by the system;
  3. print one handshake line to stdout and flush it:
        CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL
        1|1|tcp|127.0.0.1:PORT|grpc
  4. serve the health service (grpc.health.v1.Health/Check for the service
     "plugin" answers SERVING) and go-plugin's controller
     (plugin.GRPCController/Shutdown: exit).
Log lines go to stderr as JSON with @level, @message and @timestamp, which
batchd copies into its log under the plugin's name.

build.sh packs this file and the stubs generated from the .proto into one
executable (a Python zip application) named batchd-fetcher-pyfile.
"""

import datetime
import hashlib
import json
import os
import sys
import threading
import urllib.parse
from concurrent import futures

import grpc

import fetcher_pb2 as pb
import fetcher_pb2_grpc as pb_grpc

VERSION = "0.1.0"
SCHEME = "py+file"

# The fetcher contract's handshake (plugins/fetcher/plugin.go): the same
# for every fetcher plugin, whatever its language.
CORE_PROTOCOL_VERSION = 1  # go-plugin's own
APP_PROTOCOL_VERSION = 1  # fetcher.ProtocolVersion
MAGIC_COOKIE_KEY = "BATCHD_PLUGIN"
MAGIC_COOKIE_VALUE = "fetcher-2f9c47b0a6d1e853"

# A chunk between progress events and cancellation checks.
DEFAULT_CHUNK = 1 << 20
# A file modified this recently (seconds) may still change within the same
# timestamp: Stat and Fetch report no validator for it.
RECENT = 2.0


def log(level, message, **fields):
    """Writes one JSON log line to stderr, as batchd expects from plugins."""
    line = {
        "@level": level,
        "@message": message,
        "@timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    line.update(fields)
    print(json.dumps(line), file=sys.stderr, flush=True)


def local_path(uri, context):
    """The absolute local path a py+file:// URI names; aborts UNIMPLEMENTED
    (batchd's ErrUnsupported) for anything else."""
    u = urllib.parse.urlsplit(uri)
    if u.scheme.lower() != SCHEME or u.netloc not in ("", "localhost") or not u.path.startswith("/"):
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      f"pyfile fetcher: {uri!r} is not a py+file:///absolute/path URI")
    return urllib.parse.unquote(u.path)


def open_source(path, context):
    """Opens path for reading, turning OS errors into the status codes
    batchd reads as its fetcher sentinels."""
    try:
        src = open(path, "rb")
    except FileNotFoundError:
        context.abort(grpc.StatusCode.NOT_FOUND, f"fetching {path}: no such file")
    except PermissionError:
        context.abort(grpc.StatusCode.PERMISSION_DENIED, f"fetching {path}: permission denied")
    except IsADirectoryError:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"fetching {path}: is a directory")
    return src


def validator(st):
    """Names a version of a file: size, mtime and inode; "" (cannot say)
    for a file changed too recently to trust its timestamp."""
    if datetime.datetime.now().timestamp() - st.st_mtime < RECENT:
        return ""
    return f"{st.st_size}-{st.st_mtime_ns}-{st.st_ino}"


class Fetcher(pb_grpc.FetcherServicer):
    """The fetcher service: Describe, Configure, Fetch and Stat."""

    def __init__(self):
        self.chunk = DEFAULT_CHUNK

    def Describe(self, request, context):
        return pb.DescribeResponse(name="pyfile", version=VERSION, schemes=[SCHEME])

    def Configure(self, request, context):
        """Takes [fetchers.pyfile]: chunk_size, a positive number of bytes."""
        try:
            settings = json.loads(request.settings_json or b"{}") or {}
        except ValueError as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"configuring pyfile fetcher: {e}")
        problems = []
        for key in sorted(settings):
            value = settings[key]
            if key == "chunk_size" and isinstance(value, int) and not isinstance(value, bool) and value > 0:
                self.chunk = value
            elif key == "chunk_size":
                problems.append(f"configuring pyfile fetcher: chunk_size: {value!r} must be a positive whole number")
            else:
                problems.append(f"configuring pyfile fetcher: {key}: unknown key (want chunk_size)")
        if problems:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "\n".join(problems))
        return pb.ConfigureResponse()

    def Fetch(self, request, context):
        """Streams progress events, then one result. Resumes after
        request.offset bytes already in dest when the file is at least that
        long; removes dest on failure unless request.keep_partial."""
        path = local_path(request.uri, context)
        src = open_source(path, context)
        done = False
        try:
            with src:
                st = os.fstat(src.fileno())
                total = st.st_size
                h = hashlib.sha256()
                offset = request.offset if 0 < request.offset <= total else 0
                with open(request.dest, "r+b" if offset else "wb") as out:
                    if offset:
                        prefix = out.read(offset)
                        if len(prefix) != offset:  # shorter than promised: start over
                            prefix, offset = b"", 0
                        h.update(prefix)
                        out.seek(offset)
                        out.truncate(offset)
                        src.seek(offset)
                    written = offset
                    yield pb.FetchEvent(progress=pb.Progress(bytes=written, total=total))
                    while True:
                        if not context.is_active():  # batchd cancelled the call
                            return
                        chunk = src.read(self.chunk)
                        if not chunk:
                            break
                        out.write(chunk)
                        h.update(chunk)
                        written += len(chunk)
                        yield pb.FetchEvent(progress=pb.Progress(bytes=written, total=total))
                    if not context.is_active():  # cancelled during the last read
                        return
                after = os.fstat(src.fileno())
                same = (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
                result = pb.Result(size=written, sha256=h.hexdigest(),
                                   validator=validator(after) if same else "")
            done = True
            log("debug", "fetched", uri=request.uri, bytes=written, resumed_from=offset)
            yield pb.FetchEvent(result=result)
        finally:
            if not done and not request.keep_partial:
                try:
                    os.remove(request.dest)
                except FileNotFoundError:
                    pass

    def Stat(self, request, context):
        path = local_path(request.uri, context)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            context.abort(grpc.StatusCode.NOT_FOUND, f"stat {path}: no such file")
        except PermissionError:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, f"stat {path}: permission denied")
        return pb.StatResponse(validator=validator(st), size=st.st_size)

    # Extract is not implemented: the generated base class answers
    # UNIMPLEMENTED, which batchd reads as "this plugin extracts nothing".


def raw_unary(fn):
    """A unary handler over raw bytes, for go-plugin's own services, whose
    messages are small enough to write by hand."""
    return grpc.unary_unary_rpc_method_handler(
        fn, request_deserializer=lambda b: b, response_serializer=lambda b: b)


def plugin_services(stop):
    """go-plugin's health and controller services."""
    # HealthCheckResponse{status: SERVING}: field 1, varint 1.
    health = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health", {"Check": raw_unary(lambda req, ctx: b"\x08\x01")})

    def shutdown(req, ctx):
        stop.set()
        return b""  # google.protobuf.Empty

    controller = grpc.method_handlers_generic_handler(
        "plugin.GRPCController", {"Shutdown": raw_unary(shutdown)})
    return [health, controller]


def main():
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This is a batchd fetcher plugin: batchd runs it, it is not meant to be run by hand.\n"
              "Put it in a plugin folder and try `batchd plugins` or `batchd fetch py+file:///etc/hostname /tmp/x`.",
              file=sys.stderr)
        sys.exit(1)
    stop = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    pb_grpc.add_FetcherServicer_to_server(Fetcher(), server)
    server.add_generic_rpc_handlers(plugin_services(stop))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|tcp|127.0.0.1:{port}|grpc", flush=True)
    log("info", "serving", scheme=SCHEME, port=port)
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
