//go:build !linux

package bench

import "errors"

var errNoKernel = errors.New("kernel benchmarks need Linux")

// RunKernel fails off Linux.
func RunKernel(w Workload, n int) (Result, error) { return Result{}, errNoKernel }

// SlabSizes fails off Linux.
func SlabSizes() (map[string]int, error) { return nil, errNoKernel }
