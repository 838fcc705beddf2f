package sum

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// errNoNumbers is a group with nothing in it.
var errNoNumbers = errors.New("no numbers")

// parseGroup parses a group: decimal integers of any size separated by
// white space, each with an optional leading sign.
func parseGroup(s string) ([]*big.Int, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, errNoNumbers
	}
	nums := make([]*big.Int, len(fields))
	for i, f := range fields {
		n, err := parseInt(f)
		if err != nil {
			return nil, err
		}
		nums[i] = n
	}
	return nums, nil
}

// parseInt parses one decimal integer with an optional sign.
func parseInt(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%s is not an integer", quote(s))
	}
	return n, nil
}

// sum returns the exact sum of nums.
func sum(nums []*big.Int) *big.Int {
	total := new(big.Int)
	for _, n := range nums {
		total.Add(total, n)
	}
	return total
}

// decimals returns nums as normalised decimal strings.
func decimals(nums []*big.Int) []string {
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = n.String()
	}
	return out
}

// quote quotes s for an error message, eliding the middle of a long one.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		return fmt.Sprintf("%q...%q (%d bytes)", s[:max/2], s[len(s)-max/2:], len(s))
	}
	return fmt.Sprintf("%q", s)
}
