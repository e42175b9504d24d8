package hooks

import (
	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Fsnotify turns the VFS's fsnotify hooks into inotify events: the one
// home of "which event for which hook" (include/linux/fsnotify.h; today's
// rules, with the personality's switches for the hooks of the seeds' era).
// It calls one
// of two kernel APIs: the seeds' (T, a Target) or today's fs/notify (F, a
// Fsnotifier); exactly one is set.
//
// Events that name a child go to the parent first, then to the child's own
// watches (fsnotify_handle_event: parent mark, then inode mark). IN_ISDIR is
// added for directories except on IN_DELETE_SELF and IN_MOVE_SELF
// (inotify_handle_inode_event strips it there).
type Fsnotify struct {
	T Target
	F Fsnotifier
	P *personality.P
}

var _ vfs.Notifier = Fsnotify{}

func isdir(ino *inode.Inode) uapi.Mask {
	if ino != nil && ino.IsDir() {
		return uapi.IN_ISDIR
	}
	return 0
}

// dirent queues mask on dir, named after d (fsnotify_dirent / fsnotify_name).
func (n Fsnotify) dirent(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry, mask uapi.Mask, cookie uint32) {
	n.name(cur, dir, mask, cookie, d.Name(cur))
}

// name queues mask on dir's own watches with a name (fsnotify_name: today
// fsnotify() with no inode; the seeds' inotify_inode_queue_event with one).
func (n Fsnotify) name(cur *lockdep.Task, dir *inode.Inode, mask uapi.Mask, cookie uint32, name string) {
	if n.F != nil {
		n.F.FsnotifyName(cur, dir, mask, name, cookie)
		return
	}
	n.T.InodeQueueEvent(cur, dir, mask, cookie, name)
}

// self queues mask on ino's own watches, without a name (fsnotify_inode).
func (n Fsnotify) self(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, unlinked bool) {
	if n.F != nil {
		n.F.FsnotifyInode(cur, ino, mask, unlinked)
		return
	}
	n.T.InodeQueueEvent(cur, ino, mask, 0, "")
}

// dead removes every watch of ino with IN_IGNORED: today
// __fsnotify_inode_delete, in the seeds inotify_inode_is_dead.
func (n Fsnotify) dead(cur *lockdep.Task, ino *inode.Inode) {
	if n.F != nil {
		n.F.InodeDelete(cur, ino)
		return
	}
	n.T.InodeIsDead(cur, ino)
}

// cookie is fsnotify_get_cookie (inotify_get_cookie in the seeds).
func (n Fsnotify) cookie() uint32 {
	if n.F != nil {
		return n.F.GetCookie()
	}
	return n.T.GetCookie()
}

// FsnotifyCreate is fsnotify_create: IN_CREATE on the directory.
func (n Fsnotify) FsnotifyCreate(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry) {
	n.dirent(cur, dir, d, uapi.IN_CREATE, 0)
}

// FsnotifyMkdir is fsnotify_mkdir: IN_CREATE|IN_ISDIR on the directory.
func (n Fsnotify) FsnotifyMkdir(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry) {
	n.dirent(cur, dir, d, uapi.IN_CREATE|uapi.IN_ISDIR, 0)
}

// FsnotifyLink is fsnotify_link: the link count change, then IN_CREATE.
func (n Fsnotify) FsnotifyLink(cur *lockdep.Task, dir, ino *inode.Inode, newD *dentry.Dentry) {
	n.FsnotifyLinkCount(cur, ino)
	n.dirent(cur, dir, newD, uapi.IN_CREATE, 0)
}

// FsnotifyLinkCount is fsnotify_link_count: IN_ATTRIB on the inode itself
// (2.6.25+; nothing in the seeds).
func (n Fsnotify) FsnotifyLinkCount(cur *lockdep.Task, ino *inode.Inode) {
	if n.P.LinkCountAttrib {
		n.self(cur, ino, uapi.IN_ATTRIB|isdir(ino), false)
	}
}

// FsnotifyInodeRemove is fsnotify_inoderemove: IN_DELETE_SELF, then the
// watches go with IN_IGNORED (inotify_inode_is_dead).
func (n Fsnotify) FsnotifyInodeRemove(cur *lockdep.Task, ino *inode.Inode) {
	n.self(cur, ino, uapi.IN_DELETE_SELF, false)
	n.dead(cur, ino)
}

// FsnotifyDelete is fsnotify_delete (fsnotify_nameremove in the seeds):
// IN_DELETE on the directory, after the name is gone.
func (n Fsnotify) FsnotifyDelete(cur *lockdep.Task, dir, ino *inode.Inode, d *dentry.Dentry) {
	n.dirent(cur, dir, d, uapi.IN_DELETE|isdir(ino), 0)
}

// FsnotifyMove is fsnotify_move: MOVED_FROM and MOVED_TO with one cookie,
// the replaced target's link count change (today) or immediate death (seeds
// before 2.6.25), then IN_MOVE_SELF on the moved inode.
func (n Fsnotify) FsnotifyMove(cur *lockdep.Task, oldDir, newDir *inode.Inode, oldName string,
	isDir bool, target *inode.Inode, moved *dentry.Dentry) {
	var dirFlag uapi.Mask
	if isDir {
		dirFlag = uapi.IN_ISDIR
	}
	cookie := n.cookie()
	n.name(cur, oldDir, uapi.IN_MOVED_FROM|dirFlag, cookie, oldName)
	n.dirent(cur, newDir, moved, uapi.IN_MOVED_TO|dirFlag, cookie)
	if target != nil {
		if n.P.RenameTargetDies {
			n.self(cur, target, uapi.IN_DELETE_SELF, false)
			n.dead(cur, target)
		} else {
			n.FsnotifyLinkCount(cur, target)
		}
	}
	if source := moved.Inode(cur); source != nil {
		n.self(cur, source, uapi.IN_MOVE_SELF, false)
	}
}

// parentAndSelf is fsnotify_parent + fsnotify_inode for an event on d:
// first its watched parent (named), then d's own watches. path says the
// event carries a path (FSNOTIFY_EVENT_PATH), which IN_EXCL_UNLINK filters.
func (n Fsnotify) parentAndSelf(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, path bool) {
	n.event(cur, d, mask, path, true, false)
}

// rw is parentAndSelf for read(2)/write(2) events: on a special file today's
// kernel tells only the file's own watches (personality SpecialRWToParent).
func (n Fsnotify) rw(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask) {
	ino := d.Inode(cur)
	special := ino != nil && ino.Type() != inode.S_IFREG && !ino.IsDir()
	n.event(cur, d, mask, true, !special || n.P.SpecialRWToParent, false)
}

// event queues mask to d's parent (if toParent) and to d itself, the
// parent first unless selfFirst. Today's fs/notify makes it one call,
// fsnotify_parent, which tells the parent first (selfFirst is a switch of
// the seeds' era only).
func (n Fsnotify) event(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, path, toParent, selfFirst bool) {
	ino := d.Inode(cur)
	if ino == nil {
		return
	}
	mask |= isdir(ino)
	if n.F != nil {
		unlinked := path && n.P.ExclUnlink && d.Unhashed()
		if toParent {
			n.F.FsnotifyParent(cur, d, mask, unlinked)
		} else {
			n.self(cur, ino, mask, unlinked)
		}
		return
	}
	if selfFirst {
		n.T.InodeQueueEvent(cur, ino, mask, 0, "")
	}
	if toParent {
		n.T.DentryParentQueueEvent(cur, d, mask, 0)
	}
	if !selfFirst {
		n.T.InodeQueueEvent(cur, ino, mask, 0, "")
	}
}

// FsnotifyOpen is fsnotify_open: IN_OPEN.
func (n Fsnotify) FsnotifyOpen(cur *lockdep.Task, d *dentry.Dentry) {
	n.parentAndSelf(cur, d, uapi.IN_OPEN, true)
}

// FsnotifyAccess is fsnotify_access: IN_ACCESS. A directory is only ever
// "read" by readdir, which called no fsnotify_access before today's
// iterate_dir (personality NoReaddirAccess).
func (n Fsnotify) FsnotifyAccess(cur *lockdep.Task, d *dentry.Dentry) {
	if ino := d.Inode(cur); n.P.NoReaddirAccess && ino != nil && ino.IsDir() {
		return
	}
	n.rw(cur, d, uapi.IN_ACCESS)
}

// FsnotifyModify is fsnotify_modify: IN_MODIFY.
func (n Fsnotify) FsnotifyModify(cur *lockdep.Task, d *dentry.Dentry) {
	n.rw(cur, d, uapi.IN_MODIFY)
}

// FsnotifyClose is fsnotify_close: IN_CLOSE_WRITE or IN_CLOSE_NOWRITE.
func (n Fsnotify) FsnotifyClose(cur *lockdep.Task, d *dentry.Dentry, wrote bool) {
	mask := uapi.IN_CLOSE_NOWRITE
	if wrote {
		mask = uapi.IN_CLOSE_WRITE
	}
	n.parentAndSelf(cur, d, mask, true)
}

// FsnotifyChange is fsnotify_change: mode/owner changes → IN_ATTRIB; size →
// IN_MODIFY; both times → IN_ATTRIB, atime alone → IN_ACCESS, mtime alone →
// IN_MODIFY. The event carries a dentry, not a path. The era of the seeds
// told the inode before its parent (personality ChangeSelfFirst).
func (n Fsnotify) FsnotifyChange(cur *lockdep.Task, d *dentry.Dentry, ia uint32) {
	var mask uapi.Mask
	if ia&(inode.ATTR_UID|inode.ATTR_GID|inode.ATTR_MODE) != 0 {
		mask |= uapi.IN_ATTRIB
	}
	if ia&inode.ATTR_SIZE != 0 {
		mask |= uapi.IN_MODIFY
	}
	switch {
	case ia&inode.ATTR_ATIME != 0 && ia&inode.ATTR_MTIME != 0:
		mask |= uapi.IN_ATTRIB
	case ia&inode.ATTR_ATIME != 0:
		mask |= uapi.IN_ACCESS
	case ia&inode.ATTR_MTIME != 0:
		mask |= uapi.IN_MODIFY
	}
	if mask != 0 {
		n.event(cur, d, mask, false, true, n.P.ChangeSelfFirst)
	}
}

// FsnotifyUnmountInodes is fsnotify_unmount_inodes: today by way of
// fsnotify_sb_delete, in the seeds inotify_unmount_inodes.
func (n Fsnotify) FsnotifyUnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock) {
	if n.F != nil {
		n.F.SbDelete(cur, sb)
		return
	}
	n.T.UnmountInodes(cur, sb)
}

// FsnotifyInodeDelete is fsnotify_inode_delete, called at eviction (today
// __fsnotify_inode_delete, which looks for a connector itself; the seeds'
// inotify_inode_is_dead, called only for a watched inode): watches pin
// their inode, so a correct model finds none here.
func (n Fsnotify) FsnotifyInodeDelete(cur *lockdep.Task, ino *inode.Inode) {
	if n.F != nil {
		n.F.InodeDelete(cur, ino)
		return
	}
	if ino.Watched() {
		n.T.InodeIsDead(cur, ino)
	}
}
