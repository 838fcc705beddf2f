// Command batchd-workload-wordcount is the word count example's workload
// plugin. Its tasks run batchd-task-wordcount, which it expects next to its
// own executable.
package main

import (
	"github.com/batchd/batchd/plugins/sdk"

	wordcount "example.com/batchd-wordcount"
)

func main() { sdk.ServeWorkload(wordcount.New()) }
