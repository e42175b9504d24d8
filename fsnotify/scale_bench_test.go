package fsnotify_test

import (
	"testing"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

type nopOps struct{}

func (nopOps) HandleInodeEvent(*lockdep.Task, *fsnotify.Mark, uapi.Mask, *inode.Inode, *inode.Inode, string, uint32) {
}
func (nopOps) FreeGroupPriv(*lockdep.Task, *fsnotify.Group)               {}
func (nopOps) FreeEvent(*lockdep.Task, *fsnotify.Group, *fsnotify.Event)  {}
func (nopOps) FreeingMark(*lockdep.Task, *fsnotify.Mark, *fsnotify.Group) {}
func (nopOps) FreeMark(*lockdep.Task, *fsnotify.Mark)                     {}

// marked returns a group with a mark on each of n distinct inodes, checks
// off.
func marked(b *testing.B, n int) (*lockdep.Task, *fsnotify.Fsnotify, []*inode.Inode) {
	v := lockdep.NewValidator()
	v.SetEnabled(false)
	refs := kref.NewTracker()
	refs.SetEnabled(false)
	cur := v.NewTask("bench")
	c := inode.NewIcache(refs)
	sb := inode.NewSuperBlock(c, 1, nil)
	fs := fsnotify.New(personality.Linux, dentry.NewDcache(refs, nil), refs, v)
	g := fs.AllocGroup(nopOps{})
	inos := make([]*inode.Inode, n)
	for i := range inos {
		inos[i] = inode.New(cur, sb, inode.S_IFREG|0o644, 0, 0, 0)
		m := new(fsnotify.Mark)
		fs.InitMark(m, g)
		m.Lock.Lock(cur)
		m.SetMaskLocked(cur, uapi.IN_MODIFY)
		m.Lock.Unlock(cur)
		g.MarkMutex.Lock(cur)
		if err := fs.AddInodeMarkLocked(cur, m, inos[i], false); err != nil {
			b.Fatal(err)
		}
		g.MarkMutex.Unlock(cur)
	}
	return cur, fs, inos
}

// BenchmarkFsnotifyScale: fsnotify() of an event on one marked inode costs
// the same whatever the number of other marks (64 hot inodes among n): the
// SRCU section, the walk of the inode's marks and the group's
// handle_inode_event (a no-op here).
func BenchmarkFsnotifyScale(b *testing.B) {
	for _, s := range []struct {
		name string
		n    int
	}{{"1e3", 1e3}, {"1e4", 1e4}, {"1e5", 1e5}} {
		b.Run(s.name, func(b *testing.B) {
			cur, fs, inos := marked(b, s.n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				fs.FsnotifyInode(cur, inos[i%64], uapi.IN_MODIFY, false)
			}
		})
	}
}
