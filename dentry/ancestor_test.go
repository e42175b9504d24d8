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
	a := dc.Alloc(cur, root, "a")
	b := dc.Alloc(cur, a, "b")
	c := dc.Alloc(cur, root, "c")
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
	target := dc.Alloc(cur, c, "b")
	dc.Move(cur, b, target)
	if b.IsAncestor(cur, a) || !b.IsAncestor(cur, c) {
		t.Error("after d_move")
	}
}
