package vfs

// File event monitoring: illumos's usr/src/uts/common/fs/fem.c over this
// VFS's inodes, which stand for vnodes. A monitor (fem_t) is installed on
// a vnode with an argument (fem_install); every vnode operation made on
// the vnode then runs through the monitors installed on it, newest first,
// each of which continues the operation below it (vnext_*) and may act
// before or after. It is how seed 004 sees file activity: it has no hooks
// in the file system, only monitors on the vnodes it watches.
//
// Per vnode, a fem_head (v_femhead) made by the first fem_install and kept
// until the vnode is freed, whose femh_lock protects femh_list, a
// refcounted stack of monitors (fem_list). An operation takes a reference
// on the list under femh_lock and runs without the lock; a change to a
// list in use replaces it with a copy, so an operation in flight finishes
// on the list it started with, and the arguments of the monitors of that
// list stay held (fn_av_hold) until it lets go of it (fem_release).

import (
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

// FemhLockClass is the class of a vnode's femh_lock (struct fem_head).
var FemhLockClass = lockdep.NewClass("femh_lock")

// Vop names a vnode operation (VOPNAME_*); only those the VFS makes
// through FEM are here.
type Vop int

// The vnode operations.
const (
	VOP_OPEN Vop = iota
	VOP_CLOSE
	VOP_READ
	VOP_WRITE
	VOP_SETATTR
	VOP_CREATE
	VOP_REMOVE
	VOP_LINK
	VOP_RENAME
	VOP_MKDIR
	VOP_RMDIR
	VOP_READDIR
	VOP_SYMLINK
	VOP_SPACE
	VOP_VNEVENT
	numVops
)

var vopNames = [numVops]string{"open", "close", "read", "write", "setattr", "create", "remove",
	"link", "rename", "mkdir", "rmdir", "readdir", "symlink", "space", "vnevent"}

// String is the operation's VOPNAME_.
func (o Vop) String() string { return vopNames[o] }

// Vnevent is vnevent_t: what VOP_VNEVENT tells a vnode's monitors about a
// change the file system made (sys/vnode.h).
type Vnevent int

// The vnevents.
const (
	VE_SUPPORT         Vnevent = iota // query: does the file system send vnevents
	VE_RENAME_SRC                     // the vnode was renamed
	VE_RENAME_DEST                    // the vnode was replaced by a rename
	VE_REMOVE                         // a name of the vnode was removed
	VE_RMDIR                          // the directory was removed
	VE_CREATE                         // an existing file was created again (and truncated)
	VE_LINK                           // a name was linked to the vnode
	VE_RENAME_SRC_DIR                 // an entry was renamed out of this directory
	VE_RENAME_DEST_DIR                // an entry was renamed into this directory
	VE_MOUNTEDOVER                    // a file system was mounted on the vnode
	VE_TRUNCATE                       // the file was truncated to 0 (VOP_SPACE)
)

var veNames = []string{"VE_SUPPORT", "VE_RENAME_SRC", "VE_RENAME_DEST", "VE_REMOVE", "VE_RMDIR",
	"VE_CREATE", "VE_LINK", "VE_RENAME_SRC_DIR", "VE_RENAME_DEST_DIR", "VE_MOUNTEDOVER", "VE_TRUNCATE"}

// String is the vnevent's name.
func (e Vnevent) String() string { return veNames[e] }

// FREAD and FWRITE are the file flags VOP_OPEN and VOP_CLOSE are given
// (sys/file.h).
const (
	FREAD  = 0x01
	FWRITE = 0x02
)

// VopArgs are a vnode operation's arguments as its monitors see them, and
// what it made: one struct for every VOP, each using the fields it has.
type VopArgs struct {
	Vop Vop
	// Cur, Cred and Did are the calling thread: curthread (for lockdep),
	// its credentials (CRED(), cr) and its t_did.
	Cur  *lockdep.Task
	Cred Cred
	Did  uint64
	// Vp is the vnode the operation is made on: the file, or the
	// directory of create, link, mkdir, remove, rmdir, rename, symlink.
	Vp *inode.Inode
	// Name is the entry of a directory operation (rename: the source
	// name), or a vnevent's name argument.
	Name string
	// Flag is VOP_OPEN's mode and VOP_CLOSE's flag (FREAD, FWRITE).
	Flag int
	// Svp is VOP_LINK's source vnode, or a vnevent's dvp argument.
	Svp *inode.Inode
	// Event is VOP_VNEVENT's event.
	Event Vnevent
	// Vpp is what VOP_CREATE and VOP_MKDIR made or found (*vpp), set by
	// the file system before it returns.
	Vpp *inode.Inode
}

// FemOp is one operation of a monitor: it is called instead of the vnode
// operation and continues it with vf.Vnext.
type FemOp func(vf *FemArg, a *VopArgs) error

// Fem is fem_t: a monitor's operations, built from a template by
// FemCreate; an operation the template leaves out passes through.
type Fem struct {
	name string
	ops  [numVops]FemOp
}

// FemCreate is fem_create: a monitor named name whose operations are those
// of template (an fs_operation_def_t list).
func FemCreate(name string, template map[Vop]FemOp) *Fem {
	m := &Fem{name: name}
	for op, f := range template {
		m.ops[op] = f
	}
	return m
}

// Name is the monitor's name.
func (m *Fem) Name() string { return m.name }

// FemHow is femhow_t: how fem_install treats a monitor already installed.
type FemHow int

// fem_install's modes.
const (
	FORCE     FemHow = iota // install whatever is there
	OPUNIQ                  // EBUSY if the same monitor is installed
	OPARGUNIQ               // EBUSY if the same monitor with the same argument is installed
)

// femNode is struct fem_node: a monitor, its argument (fn_available) and
// the argument's hold and release functions.
type femNode struct {
	mon       *Fem
	available any
	hold      func(cur *lockdep.Task, arg any)
	rele      func(cur *lockdep.Task, arg any)
}

// femList is struct fem_list: the monitors of a vnode, bottom first; the
// file system's own operations are below them (feml_nodes[1]).
type femList struct {
	refc  kref.Ref // feml_refc: the head's reference and one per operation in flight
	nodes []femNode
}

// femHead is struct fem_head, a vnode's v_femhead. It is the inode's
// notification state (inode.AttachNotify): under illumos that is what
// watching a vnode means.
type femHead struct {
	// lock (femh_lock) protects list: a list is read without it only
	// through a reference taken under it.
	lock lockdep.Mutex
	list atomic.Pointer[femList] // femh_list; nil: no monitor
}

var _ inode.NotifyState = (*femHead)(nil)

// Watched reports whether a monitor is installed (femh_list != NULL).
func (h *femHead) Watched() bool { return h.list.Load() != nil }

// femHeadOf returns vp's v_femhead, nil if no monitor was ever installed.
func femHeadOf(vp *inode.Inode) *femHead {
	h, _ := vp.Notify().(*femHead)
	return h
}

// newFemhead is new_femhead: the vnode's head, made and installed with a
// compare-and-swap unless another thread did first.
func newFemhead(vp *inode.Inode) *femHead {
	if h := femHeadOf(vp); h != nil {
		return h
	}
	h := &femHead{}
	h.lock.Init(FemhLockClass, vp.Ino)
	got, ok := vp.AttachNotify(h).(*femHead)
	if !ok {
		panic("vfs: FEM on an inode that has another notification state")
	}
	return got
}

// FemArg is femarg_t: an interposed operation's place in its vnode's
// monitor stack (fa_fnode) and the vnode it is made on.
type FemArg struct {
	v    *VFS
	list *femList
	node int // the index of the monitor running; -1: the file system's operation
	base func() error
}

// VFS returns the VFS the operation is made in.
func (vf *FemArg) VFS() *VFS { return vf.v }

// Available is vf->fa_fnode->fn_available: the argument the running
// monitor was installed with.
func (vf *FemArg) Available() any { return vf.list.nodes[vf.node].available }

// Vnext is vnext_*: the operation continues below the running monitor, at
// the next monitor that intercepts it or, past the last, in the file
// system (vsop_find).
func (vf *FemArg) Vnext(a *VopArgs) error {
	for vf.node--; vf.node >= 0; vf.node-- {
		if op := vf.list.nodes[vf.node].mon.ops[a.Vop]; op != nil {
			return op(vf, a)
		}
	}
	return vf.base()
}

// vop is a vnode operation (fop_*) through the vnode's monitors (vhead_*):
// with a monitor installed, a reference on the list is taken under
// femh_lock, the top monitor that intercepts the operation runs, and the
// reference is let go; base is the file system's operation. No lock of
// the VFS is taken here; the caller may hold i_mutex.
func (v *VFS) vop(a *VopArgs, base func() error) error {
	h := femHeadOf(a.Vp)
	if h == nil {
		return base()
	}
	cur := a.Cur
	h.lock.Lock(cur) // fem_lock
	l := h.list.Load()
	if l == nil {
		h.lock.Unlock(cur)
		return base()
	}
	l.refc.Get() // fem_addref
	h.lock.Unlock(cur)
	vf := &FemArg{v: v, list: l, node: len(l.nodes), base: base}
	err := vf.Vnext(a)
	femRelease(cur, l)
	return err
}

// femRelease is fem_release: the last reference to a list releases the
// arguments of its monitors, top first.
func femRelease(cur *lockdep.Task, l *femList) {
	if !l.refc.Put() {
		return
	}
	for i := len(l.nodes) - 1; i >= 0; i-- {
		if n := l.nodes[i]; n.rele != nil {
			n.rele(cur, n.available)
		}
	}
}

// newFemList is femlist_create: a list with the head's reference.
func (v *VFS) newFemList(nodes []femNode) *femList {
	l := &femList{nodes: nodes}
	l.refc.Init(v.refs, "fem_list", v.femIDs.Add(1), 1)
	return l
}

// dupList is fem_dup_list: a copy of l whose monitors' arguments are held
// once more, for the copy.
func (v *VFS) dupList(cur *lockdep.Task, l *femList) *femList {
	nodes := append([]femNode(nil), l.nodes...)
	for i := len(nodes) - 1; i >= 0; i-- {
		if nodes[i].hold != nil {
			nodes[i].hold(cur, nodes[i].available)
		}
	}
	return v.newFemList(nodes)
}

// FemInstall is fem_install: the monitor mon with argument arg goes on top
// of vp's stack. hold is called on arg first (the list's hold, released
// when the monitor is removed or its list is let go), then the node is
// pushed (fem_push_node) under femh_lock: EBUSY if how forbids a second
// monitor of its kind, and then arg is released again.
//
// A list in use by an operation in flight is copied rather than pushed
// onto in place: the kernel pushes in place while the array has room,
// which the operation in flight cannot see; the copy holds every argument
// once more until the operation lets go of the old list, a difference no
// decision of a single thread can observe.
func (v *VFS) FemInstall(cur *lockdep.Task, vp *inode.Inode, mon *Fem, arg any, how FemHow,
	hold, rele func(cur *lockdep.Task, arg any)) error {
	if hold != nil {
		hold(cur, arg)
	}
	n := femNode{mon: mon, available: arg, hold: hold, rele: rele}
	h := newFemhead(vp)
	h.lock.Lock(cur)
	l := h.list.Load()
	var err error
	if l != nil {
		for i := len(l.nodes) - 1; i >= 0 && how != FORCE; i-- {
			if l.nodes[i].mon == mon && (how == OPUNIQ || l.nodes[i].available == arg) {
				err = syscall.EBUSY
				break
			}
		}
	}
	switch {
	case err != nil:
	case l == nil:
		h.list.Store(v.newFemList([]femNode{n})) // femlist_construct
	case l.refc.Count() == 1:
		l.nodes = append(l.nodes, n)
	default:
		nl := v.dupList(cur, l)
		nl.nodes = append(nl.nodes, n)
		h.list.Store(nl)
		l.refc.Put() // fem_delref: the head's reference moves to the copy
	}
	h.lock.Unlock(cur)
	if err != nil && rele != nil {
		rele(cur, arg)
	}
	return err
}

// removeNode is remove_node: the topmost node of mon with argument arg
// leaves l, its argument released; EINVAL if there is none.
func removeNode(cur *lockdep.Task, l *femList, mon *Fem, arg any) error {
	for i := len(l.nodes) - 1; i >= 0; i-- {
		n := l.nodes[i]
		if n.mon != mon || (arg != nil && n.available != arg) {
			continue
		}
		if n.rele != nil {
			n.rele(cur, n.available)
		}
		l.nodes = append(l.nodes[:i:i], l.nodes[i+1:]...)
		return nil
	}
	return syscall.EINVAL
}

// FemUninstall is fem_uninstall (fem_remove_node): the monitor mon with
// argument arg leaves vp. An idle list changes in place, the argument
// released under femh_lock; a list in use by an operation in flight is
// replaced by a copy without the monitor, and the argument stays held by
// the old list until that operation lets go of it. The last monitor's
// removal frees the list. EINVAL if the monitor is not installed.
func (v *VFS) FemUninstall(cur *lockdep.Task, vp *inode.Inode, mon *Fem, arg any) error {
	h := femHeadOf(vp)
	if h == nil {
		return syscall.EINVAL
	}
	h.lock.Lock(cur)
	defer h.lock.Unlock(cur)
	l := h.list.Load()
	if l == nil {
		return syscall.EINVAL
	}
	if l.refc.Count() == 1 {
		if err := removeNode(cur, l, mon, arg); err != nil {
			return err
		}
		if len(l.nodes) == 0 {
			femRelease(cur, l)
			h.list.Store(nil)
		}
		return nil
	}
	nl := v.dupList(cur, l)
	if err := removeNode(cur, nl, mon, arg); err != nil {
		femRelease(cur, nl)
		return err
	}
	if len(nl.nodes) == 0 {
		femRelease(cur, nl)
		h.list.Store(nil)
	} else {
		h.list.Store(nl)
	}
	l.refc.Put() // fem_delref: the in-flight operations hold the rest
	return nil
}

// FemIsInstalled is fem_is_installed: whether mon with argument arg is on
// vp.
func (v *VFS) FemIsInstalled(cur *lockdep.Task, vp *inode.Inode, mon *Fem, arg any) bool {
	h := femHeadOf(vp)
	if h == nil {
		return false
	}
	h.lock.Lock(cur)
	defer h.lock.Unlock(cur)
	l := h.list.Load()
	if l == nil {
		return false
	}
	for _, n := range l.nodes {
		if n.mon == mon && n.available == arg {
			return true
		}
	}
	return false
}

// vnevent is VOP_VNEVENT through vp's monitors, as the vnevent_* functions
// of vnode.c make it: nothing at all when no monitor was ever installed
// on vp (v_femhead == NULL). The file system's own vnevent operation
// (fs_vnevent_support) does nothing.
func (v *VFS) vnevent(cur *lockdep.Task, ctx *Context, vp *inode.Inode, ev Vnevent, dvp *inode.Inode, name string) {
	if vp == nil || femHeadOf(vp) == nil {
		return
	}
	a := &VopArgs{Vop: VOP_VNEVENT, Cur: cur, Vp: vp, Event: ev, Svp: dvp, Name: name}
	if ctx != nil {
		a.Cred, a.Did = ctx.Cred, ctx.Did
	}
	_ = v.vop(a, func() error { return nil })
}

// vneventRenameSrc is vnevent_rename_src: VE_RENAME_SRC_DIR to the source
// directory, then VE_RENAME_SRC to the renamed vnode, both only when the
// renamed vnode has a FEM head (illumos-joyent's vnode.c, the one seed
// 004's VE_RENAME_SRC_DIR and VE_RENAME_DEST_DIR handlers are written
// for).
func (v *VFS) vneventRenameSrc(ctx *Context, vp, dvp *inode.Inode, name string) {
	if vp == nil || femHeadOf(vp) == nil {
		return
	}
	v.vnevent(ctx.Cur, ctx, dvp, VE_RENAME_SRC_DIR, vp, name)
	v.vnevent(ctx.Cur, ctx, vp, VE_RENAME_SRC, dvp, name)
}

// femFreeCheck is vn_free's check of a vnode's FEM head: every monitor
// must be gone before the vnode is (a watch holds its vnode, so one left
// here is a bug of the monitor's owner).
func femFreeCheck(vp *inode.Inode) {
	if h := femHeadOf(vp); h != nil && h.list.Load() != nil {
		panic("vn_free: femh_list not NULL")
	}
}
