package bench

import (
	"errors"
	"runtime"
	"syscall"

	"github.com/inosim/inosim/sim"
)

// simFS runs a workload as one task of a simulated kernel.
type simFS struct{ t *sim.Task }

var _ FS = simFS{}

func (s simFS) Mkdir(p string, mode uint32) error { return s.t.Mkdir(p, mode) }
func (s simFS) Open(p string, flags int, mode uint32) (int, error) {
	return s.t.Open(p, flags, mode)
}
func (s simFS) Write(fd int, b []byte) (int, error) { return s.t.Write(fd, b) }
func (s simFS) Close(fd int) error                  { return s.t.Close(fd) }
func (s simFS) Rename(o, n string) error            { return s.t.Rename(o, n, 0) }
func (s simFS) Unlink(p string) error               { return s.t.Unlink(p) }
func (s simFS) Chmod(p string, mode uint32) error   { return s.t.Chmod(p, mode) }
func (s simFS) InotifyInit1(flags int) (int, error) { return s.t.InotifyInit1(flags) }
func (s simFS) InotifyAddWatch(fd int, p string, m uint32) (int, error) {
	return s.t.InotifyAddWatch(fd, p, m)
}

func (s simFS) ReadEvents(fd int) (int, error) {
	b, err := s.t.Read(fd, 64<<10)
	if errors.Is(err, syscall.EAGAIN) {
		return 0, nil
	}
	return countEvents(b), err
}

func (s simFS) Mem() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// RunSim runs w with size n in a fresh simulated kernel, with lockdep and
// refcount checking on or off. Per-user limits are raised to fit n. Any
// problem the kernel's checkers find is an error.
func RunSim(w Workload, n int, checks bool) (Result, error) {
	return runSim(w, n, sim.WithChecks(checks))
}

// runSim is RunSim with the kernel's options (a personality, say).
func runSim(w Workload, n int, opts ...sim.Option) (Result, error) {
	k := sim.NewKernel(opts...)
	if err := k.SetSysctl("max_user_watches", int64(n)+1024); err != nil {
		return Result{}, err
	}
	r, err := w.Run(simFS{k.NewTask(0, 0)}, n)
	if probs := k.Shutdown(); err == nil && len(probs) > 0 {
		err = errors.New(probs[0])
	}
	return r, err
}
