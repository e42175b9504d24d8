package dentry_test

import (
	"testing"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

func TestIsAncestor(t *testing.T) {
	refs := kref.NewTracker()
	cur := lockdep.NewValidator().NewTask("t")
	sb := inode.NewSuperBlock(inode.NewIcache(refs), 1, nil)
	dc := dentry.NewDcache(refs, nil)
	root := dc.AllocRoot(cur, inode.New(cur, sb, inode.S_IFDIR|0o755, 0, 0, 1))
	// alloc makes name under parent as a lookup does: under the parent's
	// i_mutex; dir also instantiates it as a directory.
	alloc := func(parent *dentry.Dentry, name string) *dentry.Dentry {
		pi := parent.Inode(cur)
		pi.IMutex.Lock(cur)
		defer pi.IMutex.Unlock(cur)
		return dc.Alloc(cur, parent, name)
	}
	dir := func(parent *dentry.Dentry, name string) *dentry.Dentry {
		d := alloc(parent, name)
		dc.Instantiate(cur, d, inode.New(cur, sb, inode.S_IFDIR|0o755, 0, 0, 1))
		return d
	}
	a := dir(root, "a")
	b := dir(a, "b")
	c := dir(root, "c")
	for _, tc := range []struct {
		d, anc *dentry.Dentry
		want   bool
	}{
		{b, a, true}, {b, root, true}, {b, b, true}, {a, b, false}, {c, a, false}, {root, a, false}, {root, root, true},
	} {
		if got := tc.d.IsAncestor(cur, tc.anc); got != tc.want {
			t.Errorf("%s.IsAncestor(%s) = %v", tc.d.Name(cur), tc.anc.Name(cur), got)
		}
	}
	// Moving b under c changes the answer.
	target := alloc(c, "b")
	ai, ci := a.Inode(cur), c.Inode(cur)
	ai.IMutex.LockNested(cur, inode.I_MUTEX_PARENT)
	ci.IMutex.LockNested(cur, inode.I_MUTEX_PARENT2)
	dc.Move(cur, b, target)
	ci.IMutex.Unlock(cur)
	ai.IMutex.Unlock(cur)
	if b.IsAncestor(cur, a) || !b.IsAncestor(cur, c) {
		t.Error("after d_move")
	}
}
