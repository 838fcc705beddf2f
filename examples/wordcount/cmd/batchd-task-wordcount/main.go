// Command batchd-task-wordcount is the word count example's task program:
// "batchd-task-wordcount FILE FIRST COUNT" counts the words of lines FIRST
// to FIRST+COUNT-1 of FILE, prints a line saying so and posts the counts to
// the collector named in its environment. It imports only the standard
// library and batchd's standard-library-only plugins/report, so it is small
// and starts fast.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/batchd/batchd/plugins/report"

	"example.com/batchd-wordcount/count"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, report.ErrSuperseded) {
		// batchd no longer counts this attempt: another one took its place.
		fmt.Fprintln(os.Stderr, "batchd-task-wordcount:", err)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "batchd-task-wordcount:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: batchd-task-wordcount FILE FIRST COUNT (got %d arguments)", len(args))
	}
	first, err1 := strconv.Atoi(args[1])
	n, err2 := strconv.Atoi(args[2])
	if err := errors.Join(err1, err2); err != nil || first < 1 || n < 1 {
		return fmt.Errorf("FIRST %q and COUNT %q: want positive whole numbers", args[1], args[2])
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	out, err := count.Lines(f, first, n)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	total := 0
	for _, c := range out.Words {
		total += c
	}
	line := fmt.Sprintf("lines %d-%d: %d words, %d distinct", first, first+out.Lines-1, total, len(out.Words))
	fmt.Println(line)
	if err := report.Post(ctx, out, line); err != nil {
		return fmt.Errorf("reporting the counts: %w", err)
	}
	return nil
}
