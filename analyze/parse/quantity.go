package parse

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrQuantity: a resource quantity is not a Kubernetes quantity.
var ErrQuantity = errors.New("not a resource quantity")

// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
// a signed decimal number, then a binary suffix (Ki Mi Gi Ti Pi Ei), a
// decimal suffix (n u m k M G T P E, or none) or a decimal exponent (e3, E-2).

var binarySuffix = map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60}

var decimalSuffix = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

// quantity parses s into an exact rational.
func quantity(s string) (*big.Rat, error) {
	bad := func() (*big.Rat, error) { return nil, fmt.Errorf("%w: %q", ErrQuantity, s) }
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 || digits > 40 {
		return bad()
	}
	num, ok := new(big.Rat).SetString(s[:i])
	if !ok {
		return bad()
	}
	suffix := s[i:]
	if m, ok := binarySuffix[suffix]; ok {
		return num.Mul(num, new(big.Rat).SetInt64(m)), nil
	}
	exp, ok := decimalSuffix[suffix]
	if !ok {
		if len(suffix) < 2 || (suffix[0] != 'e' && suffix[0] != 'E') {
			return bad()
		}
		e := suffix[1:]
		neg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(e, "+-")
		if e == "" || len(e) > 2 || len(suffix[1:])-len(e) > 1 {
			return bad()
		}
		exp = 0
		for _, c := range []byte(e) {
			if !isDigit(c) {
				return bad()
			}
			exp = exp*10 + int(c-'0')
		}
		if neg {
			exp = -exp
		}
	}
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
	if exp < 0 {
		return num.Quo(num, p), nil
	}
	return num.Mul(num, p), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// ceilInt64 rounds r up to an int64, or fails when it does not fit.
func ceilInt64(r *big.Rat, s string) (int64, error) {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("%w: %q is out of range", ErrQuantity, s)
	}
	return q.Int64(), nil
}

// MilliQuantity parses a quantity and returns it in thousandths, rounded
// up like resource.Quantity.MilliValue: "250m" and "0.25" are 250, "1" is
// 1000, "12345678n" is 13.
func MilliQuantity(s string) (int64, error) {
	r, err := quantity(s)
	if err != nil {
		return 0, err
	}
	return ceilInt64(r.Mul(r, big.NewRat(1000, 1)), s)
}

// Quantity parses a quantity and returns it rounded up, like
// resource.Quantity.Value: "1Ki" is 1024, "1k" is 1000, "1.5" is 2.
func Quantity(s string) (int64, error) {
	r, err := quantity(s)
	if err != nil {
		return 0, err
	}
	return ceilInt64(r, s)
}
