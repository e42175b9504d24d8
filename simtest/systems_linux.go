package simtest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/unixsim"
)

// System is one kernel a consumer test runs on: the calls, the directory
// the test may use, and, for the simulator, the kernel (nil on the host).
type System struct {
	Name   string // "sim" or "host"
	Sys    unixsim.Sys
	Root   string // an empty directory of mode 0755, owned by root
	Kernel *sim.Kernel
}

// OnSim returns a System over a new simulated kernel whose root directory
// holds the empty directory /w. At the end of the test the kernel is shut
// down and every problem its checkers found fails the test.
func OnSim(tb testing.TB) System {
	tb.Helper()
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	if err := task.Mkdir("/w", 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { CheckClean(tb, k) })
	return System{Name: "sim", Sys: unixsim.New(task), Root: "/w", Kernel: k}
}

// OnHost returns a System over the host's kernel, rooted in a fresh tmpfs
// mounted on a temporary directory and unmounted at the end of the test.
// It skips the test, saying why, unless the process is root and the host
// has inotify and lets it mount tmpfs.
func OnHost(tb testing.TB) System {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skipf("the host side needs root to mount a private tmpfs (uid %d)", os.Geteuid())
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		tb.Skipf("the host has no working inotify: %v", err)
	}
	unix.Close(fd)
	// A sandboxed run in another test binary may change the host's
	// max_queued_events or per-user limits meanwhile.
	unlock, err := hostkernel.LockHost()
	if err != nil {
		tb.Skipf("cannot take the host kernel lock: %v", err)
	}
	tb.Cleanup(unlock)
	dir := tb.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		tb.Skipf("cannot mount a tmpfs for the host side: %v", err)
	}
	tb.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	root := filepath.Join(dir, "w")
	if err := unix.Mkdir(root, 0o755); err != nil {
		tb.Fatal(err)
	}
	return System{Name: "host", Sys: unixsim.Host{}, Root: root}
}

// OnBoth runs fn as two subtests, "sim" and "host": the same consumer test
// on the simulator and on the host's kernel (which skips as OnHost says).
func OnBoth(t *testing.T, fn func(t *testing.T, s System)) {
	t.Helper()
	t.Run("sim", func(t *testing.T) { fn(t, OnSim(t)) })
	t.Run("host", func(t *testing.T) { fn(t, OnHost(t)) })
}
