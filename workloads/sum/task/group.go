// Package task is the sum workload's arithmetic and its task program's
// body: parsing a group of integers, adding it up exactly, and Run, which
// prints "sum of 1 2 3 = 6" and posts the result to batchd's collector.
//
// The plugin (workloads/sum) plans and reduces with the same functions the
// task program (cmd/batchd-task-sum) runs. The package imports only the
// standard library and plugins/report, so the task program carries no
// gRPC or go-plugin and starts fast.
package task

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrNoNumbers is a group with nothing in it.
var ErrNoNumbers = errors.New("no numbers")

// ParseGroup parses a group: decimal integers of any size separated by
// white space, each with an optional leading sign. It returns ErrNoNumbers
// for a blank group, and an error quoting the first field that is not an
// integer.
func ParseGroup(s string) ([]*big.Int, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, ErrNoNumbers
	}
	nums := make([]*big.Int, len(fields))
	for i, f := range fields {
		n, err := ParseInt(f)
		if err != nil {
			return nil, err
		}
		nums[i] = n
	}
	return nums, nil
}

// ParseInt parses one decimal integer of any size with an optional sign.
func ParseInt(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%s is not an integer", Quote(s))
	}
	return n, nil
}

// Sum returns the exact sum of nums.
func Sum(nums []*big.Int) *big.Int {
	total := new(big.Int)
	for _, n := range nums {
		total.Add(total, n)
	}
	return total
}

// Decimals returns nums as normalised decimal strings.
func Decimals(nums []*big.Int) []string {
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = n.String()
	}
	return out
}

// Quote quotes s for an error message, eliding the middle of a long one.
func Quote(s string) string {
	const max = 60
	if len(s) > max {
		return fmt.Sprintf("%q...%q (%d bytes)", s[:max/2], s[len(s)-max/2:], len(s))
	}
	return fmt.Sprintf("%q", s)
}
