package sim_test

import (
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// traceWrite writes one byte to path and returns the lock and reference
// operations the write made.
func traceWrite(t *testing.T, k *sim.Kernel, task *sim.Task, path string) []string {
	t.Helper()
	fd, err := task.Open(path, uapi.O_CREAT|uapi.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	k.Validator().SetTrace(func(ev lockdep.TraceEvent) { ops = append(ops, ev.String()) })
	k.Refs().SetTracing(true, func(en kref.Entry) { ops = append(ops, en.String()) })
	if _, err := task.Write(fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
	k.Validator().SetTrace(nil)
	k.Refs().SetTracing(false, nil)
	if err := task.Close(fd); err != nil {
		t.Fatal(err)
	}
	return ops
}

func grep(ops []string, subs ...string) []string {
	var out []string
	for _, op := range ops {
		for _, s := range subs {
			if strings.Contains(op, s) {
				out = append(out, op)
				break
			}
		}
	}
	return out
}

// TestUnwatchedParentCostsNothing: as in inotify_dentry_parent_queue_event,
// the parent-watched flag is read before d_lock, so a write to a file in an
// unwatched directory takes no d_lock and no dentry reference, while other
// directories are watched; in a watched one it takes both.
func TestUnwatchedParentCostsNothing(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	for _, d := range []string{"/quiet", "/busy"} {
		if err := task.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in, err := task.InotifyInit()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := task.InotifyAddWatch(in, "/busy", uint32(uapi.IN_MODIFY)); err != nil {
		t.Fatal(err)
	}
	if bad := grep(traceWrite(t, k, task, "/quiet/f"), "dentry->d_lock", "dentry#"); len(bad) > 0 {
		t.Errorf("write in an unwatched directory:\n%s", strings.Join(bad, "\n"))
	}
	busy := traceWrite(t, k, task, "/busy/f")
	if len(grep(busy, "lock   dentry->d_lock")) == 0 || len(grep(busy, "get  dentry#")) == 0 {
		t.Errorf("write in a watched directory took no d_lock or no dentry reference:\n%s", strings.Join(busy, "\n"))
	}
}
