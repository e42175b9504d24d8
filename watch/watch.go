package watch

import (
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// Owner is what a watch needs of its inotify_handle: the in_ops
// destroy_watch callback and put_inotify_handle.
type Owner interface {
	DestroyWatch(cur *lockdep.Task, w *InotifyWatch)
	Put(cur *lockdep.Task)
}

// InotifyWatch is struct inotify_watch.
type InotifyWatch struct {
	Count kref.Ref     // count
	Ih    Owner        // the handle; set at add, never changed
	Inode *inode.Inode // pinned with igrab; set at add, never changed
	Wd    int32        // set at add, never changed

	// Inode.InotifyMutex protects Mask (and the i_list place).
	Mask uapi.Mask

	// the handle's mutex protects the h_list links.
	HPrev, HNext *InotifyWatch

	// Private is the consumer's data (the kernel embeds inotify_watch in
	// its own struct and uses container_of).
	Private any
}

// Get is get_inotify_watch.
func Get(w *InotifyWatch) { w.Count.Get() }

// Put is put_inotify_watch: the final put drops the inode, lets the owner
// free its part (destroy_watch) and drops the handle reference.
func Put(cur *lockdep.Task, w *InotifyWatch) {
	if !w.Count.Put() {
		return
	}
	ih := w.Ih
	inode.Iput(cur, w.Inode)
	ih.DestroyWatch(cur, w)
	ih.Put(cur)
}
