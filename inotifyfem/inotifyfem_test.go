package inotifyfem_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/inosim/inosim/inotifyfem"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

func must(t *testing.T) func(int, error) int {
	return func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func kernel(t *testing.T) (*sim.Kernel, *sim.Task) {
	k := sim.NewKernel(sim.WithPersonality(personality.Illumos))
	t.Cleanup(func() { simtest.CheckClean(t, k) })
	return k, k.NewTask(0, 0)
}

func info(t *testing.T, task *sim.Task, fd int) inotifyfem.Info {
	t.Helper()
	in, err := inotifyfem.InfoOf(task, fd)
	if err != nil {
		t.Fatal(err)
	}
	if bad := inotifyfem.Check(task, fd); len(bad) > 0 {
		t.Fatalf("instance %d inconsistent:\n%s", fd, strings.Join(bad, "\n"))
	}
	return in
}

// TestChildWatchesAndOrphans: libc's inotify_add_watch gives a watched
// directory's entries child watches (each holding the watch: the
// instance's reference, the monitor's, its children's); an unlink orphans
// the entry's, which an open file keeps until the close, and a tick then
// zombifies it, destroying it at once (no operation holds it).
func TestChildWatchesAndOrphans(t *testing.T) {
	_, task := kernel(t)
	ok(t, task.Mkdir("/d", 0o755))
	for _, n := range []string{"/d/a", "/d/b"} {
		fd := must(t)(task.Open(n, uapi.O_CREAT|uapi.O_WRONLY, 0o644))
		ok(t, task.Close(fd))
	}
	in := must(t)(task.InotifyInit())
	must(t)(task.InotifyAddWatch(in, "/d", uint32(uapi.IN_ALL_EVENTS)))
	got := info(t, task, in)
	if len(got.Watches) != 1 || len(got.Watches[0].Children) != 2 || got.Watches[0].Refcnt != 4 || !got.Watches[0].Active {
		t.Fatalf("after add_watch: %+v", got.Watches)
	}
	f := must(t)(task.Open("/d/a", uapi.O_RDONLY, 0))
	ok(t, task.Unlink("/d/a"))
	if got := info(t, task, in); got.Orphans != 1 || len(got.Watches[0].Children) != 2 {
		t.Fatalf("after unlink: %d orphans, children %+v", got.Orphans, got.Watches[0].Children)
	}
	task.Kernel().Tick(1)
	if got := info(t, task, in); got.Orphans != 1 {
		t.Fatalf("the open file did not keep the orphan: %+v", got)
	}
	ok(t, task.Close(f))
	task.Kernel().Tick(1)
	got = info(t, task, in)
	if got.Orphans != 0 || got.Zombies != 0 || len(got.Watches[0].Children) != 1 || got.Watches[0].Refcnt != 3 {
		t.Fatalf("after the tick: %+v", got)
	}
}

// TestZombieLifecycle: a one-shot watch fired by an open is removed inside
// that VOP_OPEN, so the list the open runs on still holds it: a zombie,
// with only its instance's reference once the open returns, destroyed by
// the next tick (inotifyWatchDestroy from inotifyClean).
func TestZombieLifecycle(t *testing.T) {
	k, task := kernel(t)
	fd := must(t)(task.Open("/f", uapi.O_CREAT|uapi.O_WRONLY, 0o644))
	ok(t, task.Close(fd))
	in := must(t)(task.InotifyInit())
	must(t)(task.InotifyAddWatch(in, "/f", uint32(uapi.IN_OPEN|uapi.IN_ONESHOT)))
	fd = must(t)(task.Open("/f", uapi.O_RDONLY, 0))
	ok(t, task.Close(fd))
	got := info(t, task, in)
	if got.Zombies != 1 || len(got.Watches) != 0 || len(got.Events) != 2 {
		t.Fatalf("after the open: %+v", got)
	}
	var ops []string
	k.Refs().SetTracing(true, func(e kref.Entry) { ops = append(ops, e.String()) })
	k.Tick(1)
	k.Refs().SetTracing(false, nil)
	if got := info(t, task, in); got.Zombies != 0 {
		t.Fatalf("the tick left %d zombies", got.Zombies)
	}
	want := "put  inotify_watch#1 -> 0 by inotifyfem.inotifyWatchDestroy from inotifyfem.(*inotifyState).inotifyClean"
	if len(ops) != 1 || ops[0] != want {
		t.Errorf("the tick did %q, want %q", ops, want)
	}
}

// TestBooks: every event offered is queued or merged, and every event
// queued is read, still queued, or flushed at close.
func TestBooks(t *testing.T) {
	k, task := kernel(t)
	ok(t, task.Mkdir("/d", 0o755))
	in := must(t)(task.InotifyInit())
	must(t)(task.InotifyAddWatch(in, "/d", uint32(uapi.IN_ALL_EVENTS)))
	for _, n := range []string{"/d/a", "/d/b", "/d/a"} {
		fd := must(t)(task.Open(n, uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644))
		ok(t, task.Close(fd))
	}
	if _, err := task.Read(in, 48); err != nil {
		t.Fatal(err)
	}
	ok(t, task.Close(in))
	d := k.Backend().(*inotifyfem.Inotify)
	st, queued := d.Books(task.Cur())
	if st.Offered != st.Queued+st.Merged || st.Queued != st.Read+st.Flushed+queued || st.Read != 2 || st.Flushed == 0 {
		t.Errorf("books do not balance: %+v, %d queued", st, queued)
	}
}

// TestBlockingRead: a read on an empty instance sleeps on ins_cv until an
// event is queued; a signal (the context's end) makes it EINTR; with
// O_NONBLOCK it is EAGAIN.
func TestBlockingRead(t *testing.T) {
	k, reader := kernel(t)
	writer := k.NewTask(0, 0)
	ok(t, writer.Mkdir("/d", 0o755))
	in := must(t)(reader.InotifyInit())
	must(t)(reader.InotifyAddWatch(in, "/d", uint32(uapi.IN_CREATE)))
	// With nothing queued, the read's first release of ins_lock is the
	// one before its sleep.
	blocked := simtest.WhenUnlocked(k, "ins_lock", "waitSig")
	got := simtest.ReadEvents(t, reader, in, 4096)
	<-blocked
	k.Validator().SetTrace(nil)
	ok(t, writer.Mkdir("/d/s", 0o755))
	if evs := <-got; len(evs) != 1 || evs[0].Name != "s" {
		t.Errorf("read %+v", evs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reader.ReadContext(ctx, in, 4096); !errors.Is(err, syscall.EINTR) {
		t.Errorf("read with a signal pending: %v, want EINTR", err)
	}
	nb := must(t)(reader.InotifyInit1(uapi.IN_NONBLOCK))
	if _, err := reader.Read(nb, 4096); !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("non-blocking read of nothing: %v, want EAGAIN", err)
	}
}

// TestDetach: at shutdown the kernel detaches the driver; no minor number
// is left, since every instance was closed.
func TestDetach(t *testing.T) {
	k := sim.NewKernel(sim.WithPersonality(personality.Illumos))
	task := k.NewTask(0, 0)
	must(t)(task.InotifyInit())
	must(t)(task.InotifyInit())
	if problems := k.Shutdown(); len(problems) > 0 {
		t.Fatalf("shutdown: %s", strings.Join(problems, "\n"))
	}
}
