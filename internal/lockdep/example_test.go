package lockdep_test

import (
	"fmt"

	"github.com/inosim/inosim/internal/lockdep"
)

func takeInodeThenMark(t *lockdep.Task, inode, mark *lockdep.Mutex) {
	inode.Lock(t)
	mark.Lock(t)
	mark.Unlock(t)
	inode.Unlock(t)
}

func takeMarkThenInode(t *lockdep.Task, inode, mark *lockdep.Mutex) {
	mark.Lock(t)
	inode.Lock(t)
	inode.Unlock(t)
	mark.Unlock(t)
}

// Two tasks take two lock classes in opposite orders, one after the other.
// Nothing deadlocks, but lockdep reports the inversion from the classes'
// order alone, naming the Go functions that took the locks.
func ExampleValidator() {
	v := lockdep.NewValidator()
	var inode, mark lockdep.Mutex
	inode.Init(lockdep.NewClass("example.i_mutex"), 12)
	mark.Init(lockdep.NewClass("example.mark_mutex"), 3)

	t1 := v.NewTask("task/1")
	t1.SetSite("inotify_add_watch")
	takeInodeThenMark(t1, &inode, &mark)

	t2 := v.NewTask("task/2")
	t2.SetSite("unlink")
	takeMarkThenInode(t2, &inode, &mark)

	for _, r := range v.Reports() {
		fmt.Print(r)
	}
	// Output:
	// ======================================================
	// WARNING: possible circular locking dependency detected
	// ------------------------------------------------------
	// task/2 is trying to acquire lock:
	//   (example.i_mutex#12) at lockdep_test.takeMarkThenInode [task/2 unlink]
	//
	// but task is already holding lock:
	//   (example.mark_mutex#3) at lockdep_test.takeMarkThenInode [task/2 unlink]
	//
	// which lock already depends on the new lock.
	//
	// the existing dependency chain (in reverse order) is:
	//
	// -> #0 (example.mark_mutex):
	//        taken at lockdep_test.takeInodeThenMark [task/1 inotify_add_watch]
	//        while holding (example.i_mutex) taken at lockdep_test.takeInodeThenMark [task/1 inotify_add_watch]
	//
	// other info that might help us debug this:
	//
	//  Possible unsafe locking scenario:
	//
	//        CPU0                          CPU1
	//        ----                          ----
	//   lock(example.mark_mutex);
	//                                      lock(example.i_mutex);
	//                                      lock(example.mark_mutex);
	//   lock(example.i_mutex);
	//
	//  *** DEADLOCK ***
	//
	// 1 lock held by task/2:
	//  #0: (example.mark_mutex#3) at lockdep_test.takeMarkThenInode [task/2 unlink]
}

// Two locks of one class nest without a report when the inner one is
// annotated with a subclass, as rename does with two inodes' i_mutex.
func ExampleMutex_LockNested() {
	v := lockdep.NewValidator()
	class := lockdep.NewClass("example.nested.i_mutex")
	var parent, child lockdep.Mutex
	parent.Init(class, 1)
	child.Init(class, 2)

	t := v.NewTask("task/1")
	parent.Lock(t)
	child.LockNested(t, 1)
	fmt.Println(t.Held())
	child.Unlock(t)
	parent.Unlock(t)
	fmt.Println(len(v.Reports()), "reports")
	// Output:
	// [example.nested.i_mutex#1 example.nested.i_mutex/1#2]
	// 0 reports
}
