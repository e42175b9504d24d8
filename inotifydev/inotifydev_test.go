package inotifydev_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

func newKernel(t *testing.T) (*sim.Kernel, *sim.Task) {
	t.Helper()
	k := sim.NewKernel(sim.WithPersonality(personality.Linux2613))
	t.Cleanup(func() { simtest.CheckClean(t, k) })
	return k, k.NewTask(0, 0)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSysctlDefaults: the initcall inotify_init (seed 000, lines
// 1020-1022) sets max_queued_events 8192, max_user_devices 128 (read as
// max_user_instances) and max_user_watches 8192.
func TestSysctlDefaults(t *testing.T) {
	k, _ := newKernel(t)
	for key, want := range map[string]int64{"max_queued_events": 8192, "max_user_instances": 128, "max_user_watches": 8192} {
		got, err := k.Sysctl(key)
		if err != nil || got != want {
			t.Errorf("%s = %d, %v; want %d", key, got, err, want)
		}
	}
	if _, err := k.Sysctl("max_user_devices"); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("max_user_devices: %v, want ENOENT (the key is max_user_instances)", err)
	}
	if err := k.SetSysctl("max_user_watches", -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("max_user_watches=-1: %v, want EINVAL", err)
	}
}

// TestDefaultLimitsHold: at the defaults, the 129th instance of a user is
// EMFILE (sys_inotify_init, line 884) and the 8193rd event queued on an
// instance is IN_Q_OVERFLOW (inotify_dev_queue_event, line 296), after which
// nothing more is queued.
func TestDefaultLimitsHold(t *testing.T) {
	_, task := newKernel(t)
	var fds []int
	for range 128 {
		fd, err := task.InotifyInit()
		must(t, err)
		fds = append(fds, fd)
	}
	if _, err := task.InotifyInit(); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("129th inotify_init: %v, want EMFILE", err)
	}
	for _, fd := range fds[1:] {
		must(t, task.Close(fd))
	}
	in := fds[0]

	must(t, task.Mkdir("/d", 0o755))
	if _, err := task.InotifyAddWatch(in, "/d", uint32(uapi.IN_CREATE)); err != nil {
		t.Fatal(err)
	}
	// Each name is new, so no event merges with the oldest one.
	for n := range 8193 {
		must(t, task.Mkdir("/d/"+strconv.Itoa(n), 0o755))
	}
	var evs []uapi.Event
	for {
		b, err := task.Read(in, 1<<20)
		must(t, err)
		got, err := uapi.Decode(b)
		must(t, err)
		evs = append(evs, got...)
		if ready, _ := task.Poll(in); !ready {
			break
		}
	}
	if len(evs) != 8193 {
		t.Fatalf("read %d events, want 8192 and the overflow", len(evs))
	}
	if last := evs[8192]; last.Mask != uapi.IN_Q_OVERFLOW || last.Wd != -1 {
		t.Errorf("event 8193 is %+v, want IN_Q_OVERFLOW on wd -1", last)
	}
	if evs[8191].Name != strconv.Itoa(8191) {
		t.Errorf("event 8192 names %q", evs[8191].Name)
	}
}

// TestOopsIsLogged: add_watch on a regular file's fd oopses; the kernel
// logs a report that names the function and the lock held, the call
// fails with the *hooks.Oops, and the simulator unwinds it cleanly (the
// cleanup checks for lockdep and refcount reports and leaks).
func TestOopsIsLogged(t *testing.T) {
	k, task := newKernel(t)
	must(t, task.Mkdir("/d", 0o755))
	fd, err := task.Open("/d/f", uapi.O_CREAT|uapi.O_RDWR, 0o644)
	must(t, err)
	_, err = task.InotifyAddWatch(fd, "/d", uint32(uapi.IN_CREATE))
	var o *hooks.Oops
	if !errors.As(err, &o) || o.Func != "sys_inotify_add_watch" {
		t.Fatalf("add_watch on a file: %v, want an oops in sys_inotify_add_watch", err)
	}
	if _, err := task.InotifyAddWatch(fd, "/nowhere", uint32(uapi.IN_CREATE)); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("add_watch of a missing path on a file: %v, want ENOENT (find_inode comes first)", err)
	}
	logged := k.Oopses()
	if len(logged) != 1 {
		t.Fatalf("%d oopses logged, want 1", len(logged))
	}
	for _, want := range []string{"BUG: unable to handle kernel NULL pointer dereference", "Oops: 0002 [#1]",
		"EIP is at sys_inotify_add_watch", "#0: (inode->inotify_sem#"} {
		if !strings.Contains(logged[0], want) {
			t.Errorf("the report lacks %q:\n%s", want, logged[0])
		}
	}
	must(t, task.Close(fd))
}

// TestWdReuse: idr_get_new hands out the lowest free wd from 0, and a
// removed wd comes back at once (inotify_dev_get_wd, lines 342-359).
func TestWdReuse(t *testing.T) {
	_, task := newKernel(t)
	in, err := task.InotifyInit()
	must(t, err)
	var wds []int
	for _, d := range []string{"/a", "/b", "/c"} {
		must(t, task.Mkdir(d, 0o755))
		wd, err := task.InotifyAddWatch(in, d, uint32(uapi.IN_CREATE))
		must(t, err)
		wds = append(wds, wd)
	}
	if wds[0] != 0 || wds[1] != 1 || wds[2] != 2 {
		t.Fatalf("wds %v, want 0 1 2", wds)
	}
	must(t, task.InotifyRmWatch(in, 1))
	must(t, task.Mkdir("/e", 0o755))
	if wd, err := task.InotifyAddWatch(in, "/e", uint32(uapi.IN_CREATE)); err != nil || wd != 1 {
		t.Errorf("after removing wd 1, add_watch = %d, %v; want 1", wd, err)
	}
	if wd, err := task.InotifyAddWatch(in, "/a", uint32(uapi.IN_DELETE)); err != nil || wd != 0 {
		t.Errorf("re-adding /a = %d, %v; want its wd 0", wd, err)
	}
	must(t, task.Close(in))
}

// readerBlocked returns a channel closed once a read on an empty queue has
// given up dev->sem to sleep: inotify_read tests the list and registers
// the waiter under it, so the first release by the read is the one before
// schedule(), and a later wake-up cannot be missed.
func readerBlocked(k *sim.Kernel) <-chan struct{} {
	return simtest.WhenUnlocked(k, "dev->sem#", "(*inotifyDevice).Read")
}

// TestBlockingRead: a read that sleeps on an empty queue is woken by the
// next event (wake_up_interruptible in inotify_dev_queue_event), and one
// whose context is cancelled while it sleeps returns EINTR (run with
// -race).
func TestBlockingRead(t *testing.T) {
	k, reader := newKernel(t)
	writer := k.NewTask(0, 0)
	must(t, writer.Mkdir("/d", 0o755))
	fd, err := reader.InotifyInit()
	must(t, err)
	_, err = reader.InotifyAddWatch(fd, "/d", uint32(uapi.IN_CREATE))
	must(t, err)

	blocked := readerBlocked(k)
	got := simtest.ReadEvents(t, reader, fd, 4096)
	<-blocked
	k.Validator().SetTrace(nil)
	must(t, writer.Mkdir("/d/sub", 0o755))
	if evs := <-got; len(evs) != 1 || evs[0].Mask != uapi.IN_CREATE|uapi.IN_ISDIR || evs[0].Name != "sub" || evs[0].Wd != 0 {
		t.Errorf("read %+v, want one IN_CREATE|IN_ISDIR sub on wd 0", evs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	blocked = readerBlocked(k)
	errc := make(chan error, 1)
	go func() {
		_, err := reader.ReadContext(ctx, fd, 4096)
		errc <- err
	}()
	<-blocked
	k.Validator().SetTrace(nil)
	cancel()
	if err := <-errc; !errors.Is(err, syscall.EINTR) {
		t.Errorf("interrupted read: %v, want EINTR", err)
	}
}
