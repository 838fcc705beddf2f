// Command batchd-fetcher-hdfs is batchd's built-in fetcher plugin for hdfs
// URIs.
package main

import (
	hdfsfetch "github.com/batchd/batchd/fetchers/hdfs"
	"github.com/batchd/batchd/plugins/sdk"
)

func main() { sdk.ServeFetcher(hdfsfetch.New(hdfsfetch.DefaultConfig())) }
