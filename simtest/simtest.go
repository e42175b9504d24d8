package simtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/uapi"
)

// CheckClean shuts k down and fails tb with every problem Shutdown found.
func CheckClean(tb testing.TB, k *sim.Kernel) {
	tb.Helper()
	for _, p := range k.Shutdown() {
		tb.Error(p)
	}
}

// CheckFiles runs simrun.Check on each file as a subtest of t: the
// transcript must equal the file, and the simulator's checkers must find
// nothing. hint is added to a transcript difference (how to regenerate
// the file).
func CheckFiles(t *testing.T, files []string, hint string) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("no scenario files")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			c, err := simrun.Check(name, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Problems {
				t.Errorf("simulator self-check: %s", p)
			}
			for _, o := range c.Outcomes {
				t.Errorf("%s", o)
			}
			if c.Diff != "" {
				t.Errorf("transcript differs%s:\n%s", hint, c.Diff)
			}
		})
	}
}

// ParseFile reads and parses the scenario file name, failing t on an error.
func ParseFile(t testing.TB, name string) *scenario.File {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := scenario.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// WhenUnlocked returns a channel closed the first time a lock whose name
// starts with lock is released by a function whose name ends with fn: the
// tracepoint a test waits at to know that a read on an empty queue has
// given up its queue's lock to sleep (the waiter is registered under that
// lock, so a later wake-up cannot be missed). It installs k's lock trace;
// the caller removes it (SetTrace(nil)) once the channel is closed.
func WhenUnlocked(k *sim.Kernel, lock, fn string) <-chan struct{} {
	done := make(chan struct{})
	var once sync.Once
	k.Validator().SetTrace(func(ev lockdep.TraceEvent) {
		if ev.Op == "unlock" && strings.HasPrefix(ev.Lock, lock) && strings.HasSuffix(ev.Func, fn) {
			once.Do(func() { close(done) })
		}
	})
	return done
}

// ReadEvents reads up to n bytes from fd on task in a new goroutine and
// sends the events read on the returned channel; a failed read fails t.
func ReadEvents(t testing.TB, task *sim.Task, fd, n int) <-chan []uapi.Event {
	got := make(chan []uapi.Event, 1)
	go func() {
		b, err := task.Read(fd, n)
		if err != nil {
			t.Error(err)
		}
		evs, _ := uapi.Decode(b)
		got <- evs
	}()
	return got
}

// Recorder is a rapid.TB that records a failure instead of failing the
// test, so that a test can assert that a property does fail (an injected
// bug is caught). Label is what Name returns; Output is what was logged.
type Recorder struct {
	Label  string
	failed bool
	log    strings.Builder
}

func (r *Recorder) Helper()                   {}
func (r *Recorder) Name() string              { return r.Label }
func (r *Recorder) Logf(f string, a ...any)   { fmt.Fprintf(&r.log, f+"\n", a...) }
func (r *Recorder) Log(a ...any)              { fmt.Fprintln(&r.log, a...) }
func (r *Recorder) Skipf(f string, a ...any)  { panic("skip in recorder") }
func (r *Recorder) Skip(a ...any)             { panic("skip in recorder") }
func (r *Recorder) SkipNow()                  { panic("skip in recorder") }
func (r *Recorder) Errorf(f string, a ...any) { r.failed = true; r.Logf(f, a...) }
func (r *Recorder) Error(a ...any)            { r.failed = true; r.Log(a...) }
func (r *Recorder) Fatalf(f string, a ...any) { r.Errorf(f, a...) }
func (r *Recorder) Fatal(a ...any)            { r.Error(a...) }
func (r *Recorder) FailNow()                  { r.failed = true }
func (r *Recorder) Fail()                     { r.failed = true }
func (r *Recorder) Failed() bool              { return r.failed }

// Output is everything logged so far.
func (r *Recorder) Output() string { return r.log.String() }
