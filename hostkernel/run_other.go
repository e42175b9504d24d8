//go:build !linux

package hostkernel

import (
	"errors"
	"runtime"
	"time"

	"github.com/inosim/inosim/scenario"
)

// Timeout bounds one run (unused off Linux).
var Timeout = 30 * time.Second

// Warnings receives each warning of a run (unused off Linux).
var Warnings func(string)

// Options tune RunWith.
type Options struct {
	WatchInfo bool
}

var errNotLinux = errors.New("host kernel runner needs Linux (this is " + runtime.GOOS + ")")

// Available fails: the runner needs Linux.
func Available() error { return errNotLinux }

// Run fails: the runner needs Linux.
func Run(f *scenario.File) ([]scenario.Outcome, error) { return nil, errNotLinux }

// RunWith fails: the runner needs Linux.
func RunWith(f *scenario.File, opt Options) ([]scenario.Outcome, error) {
	if err := refusePersonality(f); err != nil {
		return nil, err
	}
	return nil, errNotLinux
}

// RunChildIfRequested returns at once off Linux.
func RunChildIfRequested() {}

// RegisterFunc does nothing off Linux.
func RegisterFunc(name string, fn func(arg []byte) ([]byte, error)) {}

// RunFunc fails: the runner needs Linux.
func RunFunc(name string, arg []byte, timeout time.Duration) ([]byte, error) { return nil, errNotLinux }
