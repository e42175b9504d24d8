package vfs

import (
	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
)

// Notifier receives the fsnotify hooks of include/linux/fsnotify.h. The VFS
// calls each at the point today's kernel does, relative to the namespace
// change (docs/semantics.md gives the order for every operation);
// inotify implements it. The VFS never imports inotify: this interface is
// the only way up.
//
// Hooks named after a file operation (Open, Access, Modify, Close) carry a
// path (FSNOTIFY_EVENT_PATH: IN_EXCL_UNLINK may filter them); Change carries
// only a dentry. A hook may take inode->inotify_mutex and the inotify locks
// below it, and dentry->d_lock, but the VFS holds none of those when it
// calls one; it may hold i_mutex.
type Notifier interface {
	// FsnotifyCreate: a file, symlink or fifo d was created in dir.
	FsnotifyCreate(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry)
	// FsnotifyMkdir: directory d was created in dir.
	FsnotifyMkdir(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry)
	// FsnotifyLink: a new name newD for ino was made in dir (link count
	// change first, then the create).
	FsnotifyLink(cur *lockdep.Task, dir, ino *inode.Inode, newD *dentry.Dentry)
	// FsnotifyLinkCount: ino's link count changed (unlink, rename target).
	FsnotifyLinkCount(cur *lockdep.Task, ino *inode.Inode)
	// FsnotifyInodeRemove: ino lost its last link and its last dentry user.
	FsnotifyInodeRemove(cur *lockdep.Task, ino *inode.Inode)
	// FsnotifyDelete: the name d (whose inode was ino) was removed from dir;
	// called after the name is gone.
	FsnotifyDelete(cur *lockdep.Task, dir, ino *inode.Inode, d *dentry.Dentry)
	// FsnotifyMove: moved (now at its new name) was renamed from oldName in
	// oldDir to newDir; target is the inode it replaced (nil if none, and
	// always nil for RENAME_EXCHANGE). Called after d_move.
	FsnotifyMove(cur *lockdep.Task, oldDir, newDir *inode.Inode, oldName string,
		isDir bool, target *inode.Inode, moved *dentry.Dentry)
	// FsnotifyOpen, FsnotifyAccess, FsnotifyModify: a file opened through
	// d was opened, read (>0 bytes) or written (>0 bytes).
	FsnotifyOpen(cur *lockdep.Task, d *dentry.Dentry)
	FsnotifyAccess(cur *lockdep.Task, d *dentry.Dentry)
	FsnotifyModify(cur *lockdep.Task, d *dentry.Dentry)
	// FsnotifyClose: the last reference to a file opened through d went;
	// wrote says it was open for writing (FMODE_WRITE).
	FsnotifyClose(cur *lockdep.Task, d *dentry.Dentry, wrote bool)
	// FsnotifyChange: notify_change set the attributes in iaValid
	// (inode.ATTR_*) on d's inode.
	FsnotifyChange(cur *lockdep.Task, d *dentry.Dentry, iaValid uint32)
	// FsnotifyUnmountInodes: sb is being shut down; every watched inode on
	// it gets IN_UNMOUNT and loses its watches. Called with iprune_mutex
	// and inode_lock held (the callee may drop and retake inode_lock, as
	// seed 000's inotify_unmount_inodes does).
	FsnotifyUnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock)
	// FsnotifyInodeDelete: ino is being evicted (inotify_inode_is_dead
	// as a last resort; a correct model leaves no watch here).
	FsnotifyInodeDelete(cur *lockdep.Task, ino *inode.Inode)
}

// NopNotifier ignores every hook: a kernel without inotify.
type NopNotifier struct{}

var _ Notifier = NopNotifier{}

func (NopNotifier) FsnotifyCreate(*lockdep.Task, *inode.Inode, *dentry.Dentry)             {}
func (NopNotifier) FsnotifyMkdir(*lockdep.Task, *inode.Inode, *dentry.Dentry)              {}
func (NopNotifier) FsnotifyLink(*lockdep.Task, *inode.Inode, *inode.Inode, *dentry.Dentry) {}
func (NopNotifier) FsnotifyLinkCount(*lockdep.Task, *inode.Inode)                          {}
func (NopNotifier) FsnotifyInodeRemove(*lockdep.Task, *inode.Inode)                        {}
func (NopNotifier) FsnotifyDelete(*lockdep.Task, *inode.Inode, *inode.Inode, *dentry.Dentry) {
}
func (NopNotifier) FsnotifyMove(*lockdep.Task, *inode.Inode, *inode.Inode, string, bool, *inode.Inode, *dentry.Dentry) {
}
func (NopNotifier) FsnotifyOpen(*lockdep.Task, *dentry.Dentry)             {}
func (NopNotifier) FsnotifyAccess(*lockdep.Task, *dentry.Dentry)           {}
func (NopNotifier) FsnotifyModify(*lockdep.Task, *dentry.Dentry)           {}
func (NopNotifier) FsnotifyClose(*lockdep.Task, *dentry.Dentry, bool)      {}
func (NopNotifier) FsnotifyChange(*lockdep.Task, *dentry.Dentry, uint32)   {}
func (NopNotifier) FsnotifyUnmountInodes(*lockdep.Task, *inode.SuperBlock) {}
func (NopNotifier) FsnotifyInodeDelete(*lockdep.Task, *inode.Inode)        {}
