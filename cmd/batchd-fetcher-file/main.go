// Command batchd-fetcher-file is batchd's built-in fetcher plugin for local
// files (file:// URIs and absolute paths).
package main

import (
	filefetch "github.com/batchd/batchd/fetchers/file"
	"github.com/batchd/batchd/plugins/sdk"
)

func main() { sdk.ServeFetcher(filefetch.New()) }
