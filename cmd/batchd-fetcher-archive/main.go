// Command batchd-fetcher-archive is batchd's built-in archive plugin: it
// checks and unpacks tar, tar.gz, tar.bz2, tar.xz, tar.zst, zip and gz
// archives safely for batchd's pre-launch validation.
package main

import (
	archivefetch "github.com/batchd/batchd/fetchers/archive"
	"github.com/batchd/batchd/plugins/sdk"
)

func main() { sdk.ServeFetcher(archivefetch.New(archivefetch.DefaultConfig())) }
