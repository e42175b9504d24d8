package proptest

import (
	"flag"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// Stress sizes: make test runs the defaults; make proptest the long one.
var (
	flagStressRuns = flag.Int("proptest.stressruns", 10, "kernels TestStress boots, one after the other")
	flagStressOps  = flag.Int("proptest.stressops", 2000, "system calls per TestStress kernel, over all its tasks")
)

// stressTasks is the number of tasks (and goroutines) per kernel.
const stressTasks = 8

// stressNames is the shared tree: every operation names one or two of
// these, so tasks collide on the same directories and files all the time.
// Directories and files are not fixed: mkdir and creat may make any name
// either, and rename moves directories into and out of each other.
var stressNames = []string{
	"/a", "/b", "/c", "/a/x", "/b/y",
	"/a/f", "/b/f", "/c/f", "/a/x/f", "/b/y/f",
}

// TestStress runs tasks concurrently on one kernel, each on its own
// goroutine with its own random sequence of namespace and inotify system
// calls on a small shared tree, and then requires a clean shutdown: no
// lockdep report, no refcount report, no leaked object. A deadlock shows
// as this test hanging until go test's -timeout, with the goroutines'
// stacks: it finds the deadlocks lockdep cannot see, between two instances
// of one lock class taken in opposite orders.
func TestStress(t *testing.T) {
	perTask := max(*flagStressOps/stressTasks, 1)
	stressRan.Store(true)
	for run := range *flagStressRuns {
		if problems := stressRun(run, perTask); len(problems) > 0 {
			t.Fatalf("run %d (task seeds %d..%d, %d calls each): shutdown found:\n%s",
				run, stressSeed(run, 0), stressSeed(run, stressTasks-1), perTask, strings.Join(problems, "\n"))
		}
		stressRuns.Add(1)
		stressCalls.Add(int64(perTask * stressTasks))
	}
}

// stressSeed is task i's seed in run: a task's calls are the same in every
// run of the test; how they interleave with the others' is not.
func stressSeed(run, i int) uint64 { return uint64(run*stressTasks + i) }

// stressRun boots a kernel, runs stressTasks tasks of n calls each
// concurrently, and returns what Shutdown found.
func stressRun(run, n int) []string {
	k := sim.NewKernel()
	setup := k.NewTask(0, 0)
	for _, p := range stressNames {
		if p[len(p)-1] == 'f' {
			fd, _ := setup.Open(p, uapi.O_CREAT|uapi.O_WRONLY, 0o666)
			setup.Close(fd)
		} else {
			setup.Mkdir(p, 0o777)
		}
	}
	var wg sync.WaitGroup
	for i := range stressTasks {
		// Two tasks are not root, so that permission checks read modes
		// that chmod is rewriting.
		uid := uint32(0)
		if i >= stressTasks-2 {
			uid = 1000
		}
		s := &stresser{task: k.NewTask(uid, uid), rnd: rand.New(rand.NewPCG(stressSeed(run, i), 0))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(n)
		}()
	}
	wg.Wait()
	return k.Shutdown()
}

// stresser is one task's state: its inotify instance, the wds it got and
// the files it has open.
type stresser struct {
	task *sim.Task
	rnd  *rand.Rand
	ifd  int
	wds  []int
	fds  []int
}

func (s *stresser) name() string {
	p := stressNames[s.rnd.IntN(len(stressNames))]
	// Now and then through "..", which a concurrent rename may move.
	if i := strings.IndexByte(p[1:], '/'); i >= 0 && s.rnd.IntN(8) == 0 {
		p = p[:i+1] + "/.." + p
	}
	return p
}

func (s *stresser) mode() uint32 {
	return []uint32{0o777, 0o755, 0o700, 0o1777, 0o500, 0}[s.rnd.IntN(6)]
}

func (s *stresser) fd() int {
	if len(s.fds) == 0 {
		return -1
	}
	return s.fds[s.rnd.IntN(len(s.fds))]
}

func (s *stresser) keep(fd int, err error) {
	if err == nil {
		s.fds = append(s.fds, fd)
	}
}

// run makes n system calls; their results do not matter, only that the
// kernel stays consistent.
func (s *stresser) run(n int) {
	t := s.task
	var err error
	if s.ifd, err = t.InotifyInit1(uapi.IN_NONBLOCK); err != nil {
		panic(err)
	}
	masks := []uapi.Mask{uapi.IN_ALL_EVENTS, uapi.IN_CREATE | uapi.IN_DELETE | uapi.IN_MOVE,
		uapi.IN_ATTRIB | uapi.IN_DELETE_SELF | uapi.IN_MOVE_SELF, uapi.IN_ALL_EVENTS | uapi.IN_ONESHOT,
		uapi.IN_MODIFY | uapi.IN_MASK_ADD, uapi.IN_OPEN | uapi.IN_CLOSE | uapi.IN_ONLYDIR}
	renameFlags := []int{0, 0, 0, uapi.RENAME_NOREPLACE, uapi.RENAME_EXCHANGE}
	for range n {
		if s.rnd.IntN(4) == 0 {
			// Without it, on a machine with few cores, a task often
			// runs its calls one after the other, between the
			// others', rather than in the middle of theirs.
			runtime.Gosched()
		}
		switch s.rnd.IntN(16) {
		case 0:
			t.Mkdir(s.name(), s.mode())
		case 1:
			t.Rmdir(s.name())
		case 2:
			s.keep(t.Open(s.name(), uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644))
		case 3:
			s.keep(t.Open(s.name(), []int{uapi.O_RDONLY, uapi.O_RDWR, uapi.O_WRONLY | uapi.O_APPEND}[s.rnd.IntN(3)], 0))
		case 4:
			t.Write(s.fd(), []byte("data"))
		case 5:
			t.Read(s.fd(), 16)
		case 6:
			if len(s.fds) > 0 {
				i := s.rnd.IntN(len(s.fds))
				t.Close(s.fds[i])
				s.fds = append(s.fds[:i], s.fds[i+1:]...)
			}
		case 7:
			t.Unlink(s.name())
		case 8, 9:
			t.Rename(s.name(), s.name(), renameFlags[s.rnd.IntN(len(renameFlags))])
		case 10:
			t.Link(s.name(), s.name())
		case 11:
			t.Chmod(s.name(), s.mode())
		case 12, 13:
			if wd, err := t.InotifyAddWatch(s.ifd, s.name(), uint32(masks[s.rnd.IntN(len(masks))])); err == nil {
				s.wds = append(s.wds, wd)
			}
		case 14:
			if len(s.wds) > 0 {
				i := s.rnd.IntN(len(s.wds))
				t.InotifyRmWatch(s.ifd, s.wds[i])
				s.wds = append(s.wds[:i], s.wds[i+1:]...)
			}
		case 15:
			t.Read(s.ifd, 4096)
		}
	}
	// Shutdown's exit of the task closes the fds left, the inotify
	// instance and its watches with them.
}
