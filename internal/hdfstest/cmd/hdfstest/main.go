// Command hdfstest runs the in-process HDFS test cluster on its own, for
// demos and manual checks with any HDFS client:
//
//	hdfstest --listen 127.0.0.1:9000 --put ./numbers.txt=/data/numbers.txt
//
// It prints the namenode address on stdout once serving, then runs until
// interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/batchd/batchd/internal/hdfstest"
)

// puts collects repeated --put local=/hdfs/path flags.
type puts []string

func (p *puts) String() string     { return strings.Join(*p, ",") }
func (p *puts) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var (
		opts hdfstest.Options
		put  puts
	)
	flag.StringVar(&opts.Listen, "listen", "127.0.0.1:9000", "namenode listen address")
	flag.IntVar(&opts.Datanodes, "datanodes", 3, "number of datanodes")
	flag.Int64Var(&opts.BlockSize, "block-size", 1<<20, "block size in bytes")
	flag.IntVar(&opts.Replication, "replication", 2, "replicas per block")
	flag.StringVar(&opts.User, "owner", "hdfs", "owner of every file")
	flag.Var(&put, "put", "local=/hdfs/path: store a local file (repeatable)")
	flag.Parse()
	if err := run(opts, put); err != nil {
		log.Fatalf("hdfstest: %v", err)
	}
}

func run(opts hdfstest.Options, put puts) error {
	opts.Logf = log.Printf
	c, err := hdfstest.New(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, p := range put {
		local, remote, ok := strings.Cut(p, "=")
		if !ok || !strings.HasPrefix(remote, "/") {
			return fmt.Errorf("--put %q: want local=/hdfs/path", p)
		}
		f, err := os.Open(local)
		if err != nil {
			return err
		}
		info, err := f.Stat()
		if err == nil {
			err = c.PutReader(remote, f, info.Mode().Perm())
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("--put %s: %w", p, err)
		}
	}
	fmt.Println(c.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
