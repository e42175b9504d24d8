package hostkernel

import "errors"

// errConcurrent refuses a scenario with thread or process lines: the host
// kernel cannot be made to follow a schedule, so such a file runs only in
// the simulator (inosim explore).
var errConcurrent = errors.New("host kernel runner: a scenario with threads or processes runs in the simulator only (inosim explore)")
