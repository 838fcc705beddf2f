#!/bin/sh
# Builds the Python fetcher plugin: generates the gRPC stubs from batchd's
# fetcher .proto with grpc_tools and packs them with fetcher.py into one
# executable Python zip application, OUT (default ./batchd-fetcher-pyfile).
# PYTHON names the interpreter (default python3); it must import grpc and
# grpc_tools (Debian: apt-get install python3-grpcio python3-grpc-tools),
# and becomes the program's #! line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/batchd-fetcher-pyfile}
python=$(command -v "${PYTHON:-python3}")
proto="$here/../../plugins/fetcher/proto"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
"$python" -m grpc_tools.protoc -I"$proto" --python_out="$build" --grpc_python_out="$build" "$proto/fetcher.proto"
cp "$here/fetcher.py" "$build/__main__.py"
"$python" -m zipapp "$build" -p "$python" -o "$out"
chmod +x "$out"
