// Command batchd-fetcher-http is batchd's built-in fetcher plugin for http
// and https URIs.
package main

import (
	httpfetch "github.com/batchd/batchd/fetchers/http"
	"github.com/batchd/batchd/plugins/sdk"
)

func main() { sdk.ServeFetcher(httpfetch.New(httpfetch.DefaultConfig())) }
