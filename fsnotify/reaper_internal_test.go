package fsnotify

import (
	"strings"
	"testing"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
)

// TestFlushReaperInsideReadSideReported: the reaper waits for the readers
// of fsnotify_mark_srcu (synchronize_srcu under its work), so a task that
// flushed it from inside a read-side section (fsnotify_wait_marks_destroyed
// from an event handler, say) would wait for itself. lockdep sees it from
// the class graph alone, as the kernel's does: reported as a circular
// dependency between the work and the read side, before anything waits.
func TestFlushReaperInsideReadSideReported(t *testing.T) {
	v := lockdep.NewValidator()
	refs := kref.NewTracker()
	fs := New(personality.Linux, dentry.NewDcache(refs, nil), refs, v)
	fs.reaperWork.queue()
	fs.RunQueuedWork(v.NewTask("kworker")) // the reaper learns reaper_work → fsnotify_mark_srcu

	cur := v.NewTask("task/1")
	idx := fs.MarkSrcu.ReadLock(cur)
	fs.reaperWork.dep.Sync(cur) // what flush_delayed_work does first
	fs.MarkSrcu.ReadUnlock(cur, idx)

	rs := v.Reports()
	if len(rs) != 1 || rs[0].Kind != lockdep.Circular {
		t.Fatalf("reports %v, want one circular dependency", rs)
	}
	for _, want := range []string{"reaper_work", "fsnotify_mark_srcu"} {
		if !strings.Contains(rs[0].String(), want) {
			t.Errorf("report does not name %s:\n%s", want, rs[0])
		}
	}
}

// TestReaperOutsideReadSideClean: the reaper's usual runs, and a flush
// from a task holding nothing, are not reported.
func TestReaperOutsideReadSideClean(t *testing.T) {
	v := lockdep.NewValidator()
	refs := kref.NewTracker()
	fs := New(personality.Linux, dentry.NewDcache(refs, nil), refs, v)
	cur := v.NewTask("task/1")
	kworker := v.NewTask("kworker")
	for i := 0; i < 2; i++ {
		fs.reaperWork.queue()
		fs.connectorReaperWork.queue()
		fs.RunQueuedWork(kworker)
		fs.reaperWork.queue()
		fs.WaitMarksDestroyed(cur)
	}
	idx := fs.MarkSrcu.ReadLock(cur)
	fs.MarkSrcu.ReadUnlock(cur, idx)
	for _, r := range v.Reports() {
		t.Error(r)
	}
}
