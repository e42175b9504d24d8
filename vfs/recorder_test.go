package vfs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/vfs"
)

// recorder is a Notifier that logs every hook with its arguments: inode
// numbers (unique within one file system), names, flags. It is used from
// one goroutine.
type recorder struct {
	log []string
}

var _ vfs.Notifier = (*recorder)(nil)

func (r *recorder) add(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// take returns the hooks logged since the last take.
func (r *recorder) take() []string {
	out := r.log
	r.log = nil
	return out
}

func name(cur *lockdep.Task, d *dentry.Dentry) string { return d.Name(cur) }

func (r *recorder) FsnotifyCreate(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry) {
	r.add("create dir=%d %s ino=%d", dir.Ino, name(cur, d), d.Inode(cur).Ino)
}
func (r *recorder) FsnotifyMkdir(cur *lockdep.Task, dir *inode.Inode, d *dentry.Dentry) {
	r.add("mkdir dir=%d %s ino=%d", dir.Ino, name(cur, d), d.Inode(cur).Ino)
}
func (r *recorder) FsnotifyLink(cur *lockdep.Task, dir, ino *inode.Inode, d *dentry.Dentry) {
	r.add("link dir=%d %s ino=%d nlink=%d", dir.Ino, name(cur, d), ino.Ino, ino.Nlink())
}
func (r *recorder) FsnotifyLinkCount(cur *lockdep.Task, ino *inode.Inode) {
	r.add("linkcount ino=%d nlink=%d", ino.Ino, ino.Nlink())
}
func (r *recorder) FsnotifyInodeRemove(cur *lockdep.Task, ino *inode.Inode) {
	r.add("inoderemove ino=%d", ino.Ino)
}
func (r *recorder) FsnotifyDelete(cur *lockdep.Task, dir, ino *inode.Inode, d *dentry.Dentry) {
	r.add("delete dir=%d %s ino=%d", dir.Ino, name(cur, d), ino.Ino)
}
func (r *recorder) FsnotifyMove(cur *lockdep.Task, oldDir, newDir *inode.Inode, oldName string,
	isDir bool, target *inode.Inode, moved *dentry.Dentry) {
	t := 0
	if target != nil {
		t = int(target.Ino)
	}
	r.add("move %d:%s -> %d:%s isdir=%v target=%d ino=%d", oldDir.Ino, oldName, newDir.Ino,
		name(cur, moved), isDir, t, moved.Inode(cur).Ino)
}
func (r *recorder) FsnotifyOpen(cur *lockdep.Task, d *dentry.Dentry) {
	r.add("open %s", name(cur, d))
}
func (r *recorder) FsnotifyAccess(cur *lockdep.Task, d *dentry.Dentry) {
	r.add("access %s", name(cur, d))
}
func (r *recorder) FsnotifyModify(cur *lockdep.Task, d *dentry.Dentry) {
	r.add("modify %s", name(cur, d))
}
func (r *recorder) FsnotifyClose(cur *lockdep.Task, d *dentry.Dentry, wrote bool) {
	r.add("close %s write=%v", name(cur, d), wrote)
}
func (r *recorder) FsnotifyChange(cur *lockdep.Task, d *dentry.Dentry, ia uint32) {
	r.add("change %s %s", name(cur, d), attrNames(ia))
}
func (r *recorder) FsnotifyUnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock) {
	lockdep.AssertHeld(cur, &sb.Cache.InodeLock)
	lockdep.AssertHeld(cur, &sb.Cache.IpruneMutex)
	var inos []string
	for ino := sb.FirstInodeLocked(cur); ino != nil; ino = ino.NextInSbLocked(cur) {
		inos = append(inos, fmt.Sprint(ino.Ino))
	}
	r.add("unmount dev=%d inodes=[%s]", sb.Dev, strings.Join(inos, " "))
}
func (r *recorder) FsnotifyInodeDelete(cur *lockdep.Task, ino *inode.Inode) {
	r.add("evict ino=%d", ino.Ino)
}

// attrNames spells ATTR_* bits.
func attrNames(ia uint32) string {
	names := []string{"MODE", "UID", "GID", "SIZE", "ATIME", "MTIME", "CTIME"}
	var out []string
	for i, n := range names {
		if ia&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, "|")
}

// newKernel returns a kernel whose VFS reports to a recorder, and a root
// task; the test ends with simtest.CheckClean.
func newKernel(t *testing.T) (*sim.Kernel, *sim.Task, *recorder) {
	t.Helper()
	r := &recorder{}
	k := sim.NewKernel(sim.WithNotifier(r))
	t.Cleanup(func() { simtest.CheckClean(t, k) })
	return k, k.NewTask(0, 0), r
}

// inodeOf returns the inode at path (a symlink is followed).
func inodeOf(t *testing.T, task *sim.Task, path string) *inode.Inode {
	t.Helper()
	p, err := task.Kernel().VFS().Walk(task.Ctx(), path, vfs.LOOKUP_FOLLOW)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Put(task.Cur())
	return p.Dentry.Inode(task.Cur())
}
