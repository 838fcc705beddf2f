// Command batchd-fetcher-ftp is batchd's built-in fetcher plugin for ftp
// and ftps URIs.
package main

import (
	ftpfetch "github.com/batchd/batchd/fetchers/ftp"
	"github.com/batchd/batchd/plugins/sdk"
)

func main() { sdk.ServeFetcher(ftpfetch.New(ftpfetch.DefaultConfig())) }
