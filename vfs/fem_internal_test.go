package vfs

import (
	"slices"
	"syscall"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
)

// holds counts an argument's FEM holds.
type holds struct {
	name string
	n    int
}

func hold(cur *lockdep.Task, arg any) { arg.(*holds).n++ }
func rele(cur *lockdep.Task, arg any) { arg.(*holds).n-- }

// TestFemStack: monitors run newest first, each around the one below it;
// OPARGUNIQ refuses a monitor installed already with the same argument; a
// monitor removed while an operation is in flight keeps the hold of the
// list that operation runs on until it is done; the last removal frees the
// list; a vnode that never had a monitor gets no vnevent at all.
func TestFemStack(t *testing.T) {
	v := New(Options{P: personality.Illumos})
	cur := v.Validator().NewTask("test")
	root, err := v.RootPath(cur)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		root.Put(cur)
		v.Shutdown(cur)
		if live := v.Refs().Live(); len(live) > 0 {
			t.Errorf("live objects: %v", live)
		}
	}()
	vp := root.Dentry.Inode(cur)
	var order []string
	var mon *Fem
	op := func(vf *FemArg, a *VopArgs) error {
		h := vf.Available().(*holds)
		order = append(order, h.name+" before")
		err := vf.Vnext(a)
		order = append(order, h.name+" after")
		return err
	}
	mon = FemCreate("test", map[Vop]FemOp{VOP_READ: op})
	a, b := &holds{name: "a"}, &holds{name: "b"}
	for _, h := range []*holds{a, b} {
		if err := v.FemInstall(cur, vp, mon, h, OPARGUNIQ, hold, rele); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.FemInstall(cur, vp, mon, a, OPARGUNIQ, hold, rele); err != syscall.EBUSY || a.n != 1 {
		t.Errorf("second install of a: %v, a held %d times", err, a.n)
	}
	args := &VopArgs{Vop: VOP_READ, Cur: cur, Vp: vp}
	_ = v.vop(args, func() error { order = append(order, "base"); return nil })
	if want := []string{"b before", "a before", "base", "a after", "b after"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	var during int
	_ = v.vop(args, func() error {
		if err := v.FemUninstall(cur, vp, mon, a); err != nil {
			t.Error(err)
		}
		during = a.n
		return nil
	})
	if during != 1 || a.n != 0 || b.n != 1 {
		t.Errorf("a held %d times during the operation that removed it, %d after; b %d", during, a.n, b.n)
	}
	if !v.FemIsInstalled(cur, vp, mon, b) || v.FemIsInstalled(cur, vp, mon, a) {
		t.Error("installed monitors wrong after removing a")
	}
	if err := v.FemUninstall(cur, vp, mon, b); err != nil || b.n != 0 || femHeadOf(vp).Watched() {
		t.Errorf("removing the last: %v, b held %d, watched %v", err, b.n, femHeadOf(vp).Watched())
	}
	if err := v.FemUninstall(cur, vp, mon, b); err != syscall.EINVAL {
		t.Errorf("removing a monitor not there: %v", err)
	}
}
