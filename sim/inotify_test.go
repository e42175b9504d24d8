package sim_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// TestInotifyScenarios replays every sim/testdata/*.scen in the simulator:
// each transcript must come out as written, with no lockdep report and no
// leaked object at shutdown (all watches destroyed, every inode, dentry,
// handle and device freed). The same files run on the host kernel in the
// hostkernel tests.
func TestInotifyScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.scen")
	// Historical personalities: checked in the simulator only (the host
	// kernel is today's).
	old, _ := filepath.Glob("testdata/personality/*.scen")
	files = append(files, old...)
	simtest.CheckFiles(t, files, "")
}

// must returns a checker of (fd or wd, error) results: must(t)(call()).
func must(t *testing.T) func(int, error) int {
	return func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// readerBlocked returns a channel closed once a read on an empty inotify
// queue of personality linux has given up group->notification_lock to
// sleep: with nothing queued, the first release of that lock by the read
// is the one before the wait.
func readerBlocked(k *sim.Kernel) <-chan struct{} {
	return simtest.WhenUnlocked(k, "group->notification_lock", "(*group).Read")
}

// TestBlockingReadWokenByMkdir: a read in one goroutine blocks on an empty
// queue and returns as soon as a mkdir in another queues an event (run
// with -race).
func TestBlockingReadWokenByMkdir(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	reader, writer := k.NewTask(0, 0), k.NewTask(0, 0)
	if err := writer.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	fd := must(t)(reader.InotifyInit1(0))
	must(t)(reader.InotifyAddWatch(fd, "/d", uint32(uapi.IN_CREATE)))
	blocked := readerBlocked(k)
	got := simtest.ReadEvents(t, reader, fd, 4096)
	<-blocked
	k.Validator().SetTrace(nil)
	if err := writer.Mkdir("/d/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	evs := <-got
	if len(evs) != 1 || evs[0].Mask != uapi.IN_CREATE|uapi.IN_ISDIR || evs[0].Name != "sub" {
		t.Errorf("read %v, want one IN_CREATE|IN_ISDIR sub", evs)
	}
}

// TestBlockingReadInterrupted: cancelling the context of a blocked read is
// a signal: EINTR.
func TestBlockingReadInterrupted(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	fd := must(t)(task.InotifyInit1(0))
	ctx, cancel := context.WithCancel(context.Background())
	blocked := readerBlocked(k)
	errc := make(chan error, 1)
	go func() {
		_, err := task.ReadContext(ctx, fd, 4096)
		errc <- err
	}()
	<-blocked
	k.Validator().SetTrace(nil)
	cancel()
	if err := <-errc; !errors.Is(err, syscall.EINTR) {
		t.Errorf("interrupted read: %v, want EINTR", err)
	}
}

func TestInotifyErrors(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	fd := must(t)(task.InotifyInit1(uapi.IN_NONBLOCK))
	file := must(t)(task.Open("/f", uapi.O_CREAT|uapi.O_WRONLY, 0o644))
	cases := []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"init1 bad flag", second(task.InotifyInit1(0x1)), syscall.EINVAL},
		{"mask 0", second(task.InotifyAddWatch(fd, "/", 0)), syscall.EINVAL},
		{"mask 0 checked before fd", second(task.InotifyAddWatch(-1, "/", 0)), syscall.EINVAL},
		{"unknown bit", second(task.InotifyAddWatch(fd, "/", 0x1000)), syscall.EINVAL},
		{"bad fd", second(task.InotifyAddWatch(-1, "/", uint32(uapi.IN_CREATE))), syscall.EBADF},
		{"MASK_ADD|MASK_CREATE on a missing path", second(task.InotifyAddWatch(fd, "/missing", uint32(uapi.IN_CREATE|uapi.IN_MASK_ADD|uapi.IN_MASK_CREATE))), syscall.EINVAL},
		{"not an inotify fd", second(task.InotifyAddWatch(file, "/", uint32(uapi.IN_CREATE))), syscall.EINVAL},
		{"missing path", second(task.InotifyAddWatch(fd, "/missing", uint32(uapi.IN_CREATE))), syscall.ENOENT},
		{"ONLYDIR on a file", second(task.InotifyAddWatch(fd, "/f", uint32(uapi.IN_CREATE|uapi.IN_ONLYDIR))), syscall.ENOTDIR},
		{"rm bad wd", task.InotifyRmWatch(fd, 99), syscall.EINVAL},
		{"rm wd 0", task.InotifyRmWatch(fd, 0), syscall.EINVAL},
		{"rm on bad fd", task.InotifyRmWatch(-1, 1), syscall.EBADF},
		{"rm on a file fd", task.InotifyRmWatch(file, 1), syscall.EINVAL},
		{"write to inotify fd", second(task.Write(fd, []byte("x"))), syscall.EBADF},
		{"read empty nonblocking", second(task.Read(fd, 4096)), syscall.EAGAIN},
		{"other ioctl", second(task.Ioctl(fd, 0x5401, 0)), syscall.ENOTTY},
		{"setnextwd 0", second(task.Ioctl(fd, uapi.INOTIFY_IOC_SETNEXTWD, 0)), syscall.EINVAL},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if off, err := task.Lseek(fd, 5); off != 0 || err != nil {
		t.Errorf("lseek on inotify fd: %d, %v; want 0, nil (noop_llseek)", off, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestPermissionAndLimits(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	root := k.NewTask(0, 0)
	fd := must(t)(root.Open("/secret", uapi.O_CREAT|uapi.O_WRONLY, 0o200))
	root.Close(fd)
	nobody := k.NewTask(65534, 65534)
	ifd := must(t)(nobody.InotifyInit1(0))
	if _, err := nobody.InotifyAddWatch(ifd, "/secret", uint32(uapi.IN_MODIFY)); !errors.Is(err, syscall.EACCES) {
		t.Errorf("watch of a 0200 file as nobody: %v, want EACCES", err)
	}
	if _, err := root.InotifyAddWatch(must(t)(root.InotifyInit1(0)), "/secret", uint32(uapi.IN_MODIFY)); err != nil {
		t.Errorf("root's DAC override: %v", err)
	}
	// Per-user limits apply at once and count what the user has.
	if err := k.SetSysctl("max_user_watches", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := nobody.InotifyAddWatch(ifd, "/", uint32(uapi.IN_CREATE)); err != nil {
		t.Fatal(err)
	}
	if _, err := nobody.InotifyAddWatch(ifd, "/", uint32(uapi.IN_DELETE)); err != nil {
		t.Errorf("updating an existing watch at the limit: %v", err)
	}
	if err := root.Mkdir("/tmp", 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := nobody.InotifyAddWatch(ifd, "/tmp", uint32(uapi.IN_CREATE)); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("second watch past max_user_watches=1: %v, want ENOSPC", err)
	}
	if err := k.SetSysctl("max_user_instances", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := nobody.InotifyInit1(0); !errors.Is(err, syscall.EMFILE) {
		t.Errorf("second instance past max_user_instances=1: %v, want EMFILE", err)
	}
	if err := k.SetSysctl("max_queued_events", -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("negative sysctl: %v", err)
	}
}

// TestPoll: POLLIN iff an event is queued.
func TestPoll(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	fd := must(t)(task.InotifyInit1(uapi.IN_NONBLOCK))
	must(t)(task.InotifyAddWatch(fd, "/", uint32(uapi.IN_CREATE)))
	if ready, _ := task.Poll(fd); ready {
		t.Error("poll of an empty queue says readable")
	}
	if err := task.Mkdir("/x", 0o755); err != nil {
		t.Fatal(err)
	}
	if ready, _ := task.Poll(fd); !ready {
		t.Error("poll with an event queued says not readable")
	}
	n, _ := task.Ioctl(fd, uapi.FIONREAD, 0)
	b, _ := task.Read(fd, 4096)
	if n != len(b) || n != 32 {
		t.Errorf("FIONREAD %d, then read %d bytes; want 32 and 32", n, len(b))
	}
	if !strings.Contains(string(b), "x") {
		t.Errorf("event bytes % x lack the name", b)
	}
}
