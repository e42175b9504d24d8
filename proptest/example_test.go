package proptest_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/inosim/inosim/proptest"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// watcher is a small inotify consumer: it keeps the set of names that
// exist in one directory from CREATE, DELETE and MOVED_* events.
type watcher struct {
	task  *sim.Task
	fd    int
	names map[string]bool
}

func newWatcher(task *sim.Task, dir string) (*watcher, error) {
	fd, err := task.InotifyInit1(uapi.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	if _, err := task.InotifyAddWatch(fd, dir, uint32(uapi.IN_CREATE|uapi.IN_DELETE|uapi.IN_MOVE)); err != nil {
		return nil, err
	}
	return &watcher{task: task, fd: fd, names: map[string]bool{}}, nil
}

// drain reads every queued event and updates the set.
func (w *watcher) drain() error {
	for {
		b, err := w.task.Read(w.fd, 64<<10)
		if err != nil {
			return nil // EAGAIN: nothing more queued
		}
		evs, err := uapi.Decode(b)
		if err != nil {
			return err
		}
		for _, e := range evs {
			switch {
			case e.Mask&(uapi.IN_CREATE|uapi.IN_MOVED_TO) != 0:
				w.names[e.Name] = true
			case e.Mask&(uapi.IN_DELETE|uapi.IN_MOVED_FROM) != 0:
				delete(w.names, e.Name)
			case e.Mask&uapi.IN_Q_OVERFLOW != 0:
				return fmt.Errorf("queue overflow: rescan needed")
			}
		}
	}
}

func (w *watcher) list() []string {
	var out []string
	for n := range w.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestWatcherTracksTree drives the watcher with random activity on the
// simulator and checks its view against the directory's real contents.
func TestWatcherTracksTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := sim.NewKernel()
		task := k.NewTask(0, 0)
		if err := task.Mkdir("/w", 0o755); err != nil {
			t.Fatal(err)
		}
		w, err := newWatcher(task, "/w")
		if err != nil {
			t.Fatal(err)
		}
		proptest.Drive(task, proptest.Activity(t, "/w"))
		if err := w.drain(); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(proptest.Names(task, "/w"), w.list()); d != "" {
			t.Fatalf("watcher's view differs from the tree (-tree +watcher):\n%s", d)
		}
		for _, p := range k.Shutdown() {
			t.Error(p)
		}
	})
}

// Example drives a small watcher with one random activity (a fixed draw)
// and compares what it believes with the directory.
func Example() {
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	_ = task.Mkdir("/w", 0o755)
	w, _ := newWatcher(task, "/w")
	ops := rapid.Custom(func(t *rapid.T) []proptest.Op { return proptest.Activity(t, "/w") }).Example(3)
	proptest.Drive(task, ops)
	_ = w.drain()
	fmt.Println(cmp.Equal(proptest.Names(task, "/w"), w.list()))
	// Output: true
}
