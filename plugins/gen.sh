#!/bin/sh
# Regenerates the plugin protocols' Go code. Run from anywhere; `make proto`
# and `cd plugins && go generate ./...` call it.
set -eu
cd "$(dirname "$0")"
PATH="$(go env GOPATH)/bin:$PATH"
for p in workload/proto/workload.proto fetcher/proto/fetcher.proto; do
	protoc --proto_path="$(dirname "$p")" \
		--go_out="$(dirname "$p")" --go_opt=paths=source_relative \
		--go-grpc_out="$(dirname "$p")" --go-grpc_opt=paths=source_relative \
		"$p"
done
