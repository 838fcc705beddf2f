// Command batchd-fetcher-data is the data: fetcher example's plugin.
package main

import (
	"github.com/batchd/batchd/plugins/sdk"

	datafetch "example.com/batchd-datafetcher"
)

func main() { sdk.ServeFetcher(datafetch.New()) }
