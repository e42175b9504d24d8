package sim_test

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// TestThreadsShareFilesAndCwd: a thread sees its process's fds and cwd and
// has a pid and lockdep state of its own; the fds close when the last
// thread exits, not before.
func TestThreadsShareFilesAndCwd(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	p := k.NewTask(1000, 1000)
	th := p.NewThread()
	if th.Pid() == p.Pid() || th.Tgid() != p.Pid() || p.Tgid() != p.Pid() {
		t.Fatalf("pid %d tgid %d of a thread of %d", th.Pid(), th.Tgid(), p.Pid())
	}
	if th.Cur() == p.Cur() || th.Ctx().Cred.Uid != 1000 {
		t.Fatal("a thread has its own lockdep task and its creator's credentials")
	}
	p.SetCred(0, 0)
	if err := p.Mkdir("/d", 0o777); err != nil {
		t.Fatal(err)
	}
	fd := must(t)(p.Open("/d/f", uapi.O_CREAT|uapi.O_RDWR, 0o644))
	if n, err := th.Write(fd, []byte("hi")); n != 2 || err != nil {
		t.Fatalf("thread's write on its process's fd: %d, %v", n, err)
	}
	if err := th.Chdir("/d"); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("f", "g"); err != nil {
		t.Fatalf("the process sees its thread's chdir: %v", err)
	}
	other := k.NewTask(0, 0)
	if _, err := other.Fget(fd); err != syscall.EBADF {
		t.Fatalf("another process's fd table: %v", err)
	}
	p.ExitTask()
	if fds := th.Fds(); len(fds) != 1 || fds[0] != fd {
		t.Fatalf("fds outlive the first thread to exit: %v", fds)
	}
	if err := th.Unlink("g"); err != nil {
		t.Fatalf("the cwd outlives the first thread to exit: %v", err)
	}
	th.ExitTask()
	if fds := th.Fds(); len(fds) != 0 {
		t.Fatalf("the last thread's exit closes the fds: %v left", fds)
	}
}

// TestThreadsOnGoroutines: one process, three threads on three goroutines —
// a reader blocked in read on the inotify fd, a writer adding watches and
// creating files, a closer closing the fd — must be free of data races
// (go test -race) and leave nothing behind. The reader holds a file
// reference across its read (fdget), so the close cannot release the
// instance under it: the watch on /d added before the threads start
// stays, and the writer's first mkdir there wakes the reader whatever the
// order (the writer's own add_watch fails with EBADF once the fd is
// closed).
func TestThreadsOnGoroutines(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	p := k.NewTask(0, 0)
	if err := p.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	fd := must(t)(p.InotifyInit1(0))
	must(t)(p.InotifyAddWatch(fd, "/d", uint32(uapi.IN_CREATE)))
	reader, writer, closer := p.NewThread(), p.NewThread(), p.NewThread()
	blocked := readerBlocked(k)
	done := make(chan error, 3)
	go func() {
		b, err := reader.Read(fd, 4096)
		if err == nil {
			if evs, _ := uapi.Decode(b); len(evs) == 0 {
				t.Error("read returned no event")
			}
		} else if err != syscall.EBADF {
			t.Errorf("read: %v", err)
		}
		done <- nil
	}()
	<-blocked
	go func() {
		for _, name := range []string{"a", "b", "c"} {
			if err := writer.Mkdir("/d/"+name, 0o755); err != nil {
				done <- err
				return
			}
			if _, err := writer.InotifyAddWatch(fd, "/d/"+name, uint32(uapi.IN_CREATE)); err != nil && err != syscall.EBADF {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() { done <- closer.Close(fd) }()
	for range 3 {
		if err := <-done; err != nil && err != syscall.EBADF {
			t.Error(err)
		}
	}
	for _, th := range []*sim.Task{reader, writer, closer, p} {
		th.ExitTask()
	}
}

// threeThreads runs TestThreadsOnGoroutines's three threads under the
// deterministic scheduler with strategy st, and returns what happened (the
// reader's events or error, the others' results) and the schedule's
// replay token.
func threeThreads(t *testing.T, st sched.Strategy) (string, string) {
	s := sched.New(st)
	k := sim.NewKernel(sim.WithScheduler(s))
	defer simtest.CheckClean(t, k)
	p := k.NewTask(0, 0)
	if err := p.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	fd := must(t)(p.InotifyInit1(0))
	must(t)(p.InotifyAddWatch(fd, "/d", uint32(uapi.IN_CREATE)))
	reader, writer, closer := p.NewThread(), p.NewThread(), p.NewThread()
	var got [3]string
	d := k.Concurrently([]*sim.Task{reader, writer, closer}, []func(){
		func() {
			b, err := reader.Read(fd, 4096)
			evs, _ := uapi.Decode(b)
			got[0] = fmt.Sprintf("read %v %v", evs, err)
		},
		func() {
			for _, name := range []string{"a", "b"} {
				err := writer.Mkdir("/d/"+name, 0o755)
				wd, err2 := writer.InotifyAddWatch(fd, "/d/"+name, uint32(uapi.IN_CREATE))
				got[1] += fmt.Sprintf("mkdir %v add_watch %d %v; ", err, wd, err2)
			}
		},
		func() { got[2] = fmt.Sprintf("close %v", closer.Close(fd)) },
	})
	if d != nil {
		t.Fatalf("%s: %s", s.Token(), d)
	}
	for _, th := range []*sim.Task{reader, writer, closer, p} {
		th.ExitTask()
	}
	return strings.Join(got[:], " | "), s.Token()
}

// TestThreadsUnderScheduler: the same three threads under the scheduler:
// with a fixed seed the same events and results every run, whatever
// GOMAXPROCS; different seeds reach different interleavings; each token
// replays its run.
func TestThreadsUnderScheduler(t *testing.T) {
	outs := map[string]string{}
	for seed := uint64(1); seed <= 12; seed++ {
		a, tokA := threeThreads(t, sched.NewRandom(seed))
		prev := runtime.GOMAXPROCS(1)
		b, tokB := threeThreads(t, sched.NewRandom(seed))
		runtime.GOMAXPROCS(prev)
		if a != b || tokA != tokB {
			t.Fatalf("seed %d differs between runs:\n%s %s\n%s %s", seed, a, tokA, b, tokB)
		}
		outs[a] = tokA
	}
	if len(outs) < 2 {
		t.Errorf("twelve seeds reached one outcome: %v", outs)
	}
	for out, tok := range outs {
		sw, err := sched.ParseToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		rp := sched.NewReplay(sw)
		got, tok2 := threeThreads(t, rp)
		if got != out || tok2 != tok || rp.Finish() != "" {
			t.Errorf("token %s replayed to %s (%s, %s), want %s", tok, got, tok2, rp.Finish(), out)
		}
	}
}

// TestKthreadUnderScheduler: a kernel thread started by a running task is
// scheduled like the task: both finish, and the run is the same for a
// seed.
func TestKthreadUnderScheduler(t *testing.T) {
	run := func() string {
		s := sched.New(sched.NewRandom(4))
		k := sim.NewKernel(sim.WithScheduler(s))
		defer simtest.CheckClean(t, k)
		p := k.NewTask(0, 0)
		var log []string
		d := k.Concurrently([]*sim.Task{p}, []func(){func() {
			k.StartKthread("kworker/0", func(cur *lockdep.Task) {
				log = append(log, "kthread")
				lockdep.MightSleep(cur)
				log = append(log, "kthread again")
			})
			if err := p.Mkdir("/d", 0o755); err != nil {
				t.Error(err)
			}
			log = append(log, "mkdir")
		}})
		if d != nil {
			t.Fatal(d)
		}
		return strings.Join(log, ",") + " " + s.Token()
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "kthread again") || !strings.Contains(a, "mkdir") {
		t.Fatalf("%q then %q", a, b)
	}
}
