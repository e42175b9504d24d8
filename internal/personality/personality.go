// Package personality is the one home of every behaviour that differs
// between the inotify versions inosim models. Each switch cites the seed or
// kernel behaviour it follows (docs/semantics.md §2 and §4); code
// elsewhere asks a P, it never tests a version. The names are uapi's
// (uapi.Personalities).
package personality

import (
	"fmt"
	"slices"
	"sort"

	"github.com/inosim/inosim/uapi"
)

// MergeTarget says which queued event a new one is compared with.
type MergeTarget int

const (
	// MergeTail compares with the newest event: inotify_merge() on
	// list->prev (2.6.25+; seed 002's inotify_dev_get_last_event).
	MergeTail MergeTarget = iota
	// MergeHead compares with the oldest unread event: seed 000's
	// inotify_dev_get_event() = dev->events.next (2.6.13–2.6.24).
	MergeHead
)

// BackendKind says which generation of the inotify code a personality
// runs: the structures and locks, not just the rules.
type BackendKind int

const (
	// BackendHandle: seeds 001/002, struct inotify_handle and the device
	// over it (package inotify), for every era but the first.
	BackendHandle BackendKind = iota
	// BackendDevice: seed 000, struct inotify_device with dev->sem and no
	// handle layer (package inotifydev), whose rules are its own code.
	BackendDevice
	// BackendFEM: seed 004, illumos's inotify driver over file event
	// monitoring (package inotifyfem): no fsnotify hooks at all, monitors
	// interposed on the vnode operations instead.
	BackendFEM
	// BackendFsnotify: today's fs/notify and fs/notify/inotify (packages
	// fsnotify and inotifyfs): groups, marks, connectors, SRCU. Its rules
	// are today's code, not switches.
	BackendFsnotify
)

// P is one personality.
type P struct {
	Name string

	// Backend picks the code. Merge and the read switches are for
	// BackendHandle, whose two eras differ in them (the other backends'
	// rules are their code); those of the hooks and the VFS
	// (LinkCountAttrib, RenameTargetDies, UnmountIsDir, SpecialRWToParent,
	// ExclUnlink, ChangeSelfFirst, NoReaddirAccess, TruncateBeforeOpen)
	// and Init1 apply to every Linux backend.
	Backend BackendKind

	// Merge is the queued event a new one is compared with; the cookie is
	// compared too (event_compare of seeds 000–002).
	Merge MergeTarget
	// ReadTooSmall is what read returns when the first event does not
	// fit: 0 (<2.6.21) or EINVAL.
	ReadTooSmall int
	// ReadZeroIsZero: a read of 0 bytes returns 0 even where a too-small
	// buffer is EINVAL (seed 002's inotify_read: "if (ret == 0 && count >
	// 0) ret = -EINVAL").
	ReadZeroIsZero bool

	// ExclUnlink: IN_EXCL_UNLINK exists (2.6.36+): the hooks say whether
	// an event's dentry is unlinked.
	ExclUnlink bool
	// LinkCountAttrib: fsnotify_link_count() sends IN_ATTRIB on unlink,
	// link and rename-over (2.6.25+).
	LinkCountAttrib bool
	// RenameTargetDies: fsnotify_move() of 2.6.13–2.6.24 sends the target
	// IN_DELETE_SELF and runs inotify_inode_is_dead() at once.
	RenameTargetDies bool
	// UnmountIsDir: IN_UNMOUNT carries IN_ISDIR on directories
	// (fsnotify_inode() in today's fsnotify_unmount_inodes).
	UnmountIsDir bool
	// SpecialRWToParent: IN_MODIFY/IN_ACCESS from write(2)/read(2) on a
	// special file (FIFO, device) also go to the parent directory's
	// watches. The seeds' fsnotify_modify/fsnotify_access did; on today's
	// kernel (observed on 6.18) only the file's own watches get them,
	// while its OPEN and CLOSE still reach the parent
	// (sim/testdata/10-fifo-read-write.scen).
	SpecialRWToParent bool
	// Init1: inotify_init1 and its IN_NONBLOCK/IN_CLOEXEC flags (2.6.27+).
	Init1 bool

	// The hook bodies and VFS order of 2.6.13–2.6.25 (include/linux/
	// fsnotify.h, fs/namei.c, fs/readdir.c of the era):
	//
	// ChangeSelfFirst: fsnotify_change queues the inode's own event
	// (inotify_inode_queue_event) before its parent's
	// (inotify_dentry_parent_queue_event); today the parent comes first.
	ChangeSelfFirst bool
	// NoReaddirAccess: reading a directory sends no IN_ACCESS (the era's
	// vfs_readdir only calls file_accessed; today iterate_dir calls
	// fsnotify_access).
	NoReaddirAccess bool
	// TruncateBeforeOpen: open(O_TRUNC) of an existing file truncates in
	// may_open, before fsnotify_open, so IN_MODIFY precedes IN_OPEN; today
	// do_open truncates after vfs_open (IN_OPEN first).
	TruncateBeforeOpen bool

	// VnodeLayer: the system calls make the vnode operations and vnevents
	// of illumos's vnode layer over tmpfs (vn_openat, vn_createat,
	// vn_removeat, vn_renameat; tmp_create, tmp_remove, tmp_rmdir,
	// tmp_rename, tmp_link), each through the monitors FEM interposes on
	// the vnode, instead of calling fsnotify hooks: an open(O_CREAT) of an
	// existing file is a successful VOP_CREATE, a read at end of file is
	// a VOP_READ, a failed unlink still sends VE_REMOVE, rename is
	// renameat without flags, and a file system whose vnodes something
	// holds (a watch) cannot be unmounted.
	VnodeLayer bool
	// LibcTruncate: truncate(3C) is open(O_WRONLY), fcntl(F_FREESP) and
	// close, and ftruncate(3C) is fcntl(F_FREESP) (illumos libc's
	// port/gen/truncate.c), not system calls of their own.
	LibcTruncate bool

	// bugs is the set of historical bugs put back (WithBug, Has).
	bugs uint64
}

// Linux is today's kernel, the semantic target (observed on 6.18), on
// today's fs/notify.
var Linux = &P{
	Name: uapi.PersonalityLinux, Backend: BackendFsnotify, ExclUnlink: true,
	LinkCountAttrib: true, UnmountIsDir: true, Init1: true,
}

// Linux2613 is the first inotify: seed 000 as merged for 2.6.13, on its
// own backend, whose queue, mask and wd rules are its code.
var Linux2613 = &P{
	Name: uapi.PersonalityLinux2613, Backend: BackendDevice, RenameTargetDies: true,
	SpecialRWToParent: true, ChangeSelfFirst: true, NoReaddirAccess: true,
	TruncateBeforeOpen: true,
}

// Linux2618 is the kernel-API split (seeds 001/002) as in 2.6.18: head
// merging and no link-count events still; ONESHOT removes silently; read
// of a too-small buffer returns EINVAL from 2.6.21 only, so 0 here.
var Linux2618 = &P{
	Name: uapi.PersonalityLinux2618, Merge: MergeHead, ReadTooSmall: 0, RenameTargetDies: true,
	SpecialRWToParent: true, ChangeSelfFirst: true, NoReaddirAccess: true,
	TruncateBeforeOpen: true,
}

// Linux2625 is seeds 001 and 002 exactly as written (seed 002 is
// fs/inotify_user.c of the 2.6.25 merge window): merging against the
// newest event (inotify_dev_get_last_event) comparing wd, mask, cookie and
// name; seed 002's overflow count; EINVAL for a too-small read but 0 for a
// read of 0 bytes; no inotify_init1; link-count IN_ATTRIB and a rename
// target that only loses a link (2.6.25's fsnotify_link_count); and still
// the IN_ONESHOT leak (the event's mask tested, see inotify's
// HandleEvent).
var Linux2625 = &P{
	Name: uapi.PersonalityLinux2625, Merge: MergeTail, ReadTooSmall: 22, ReadZeroIsZero: true,
	LinkCountAttrib: true, SpecialRWToParent: true, ChangeSelfFirst: true, NoReaddirAccess: true,
	TruncateBeforeOpen: true,
}

// Illumos is illumos's inotify, seed 004 (usr/src/uts/common/io/inotify.c)
// as written, on its own backend over FEM, with the vnode layer and libc
// routines of illumos. Its queue, mask and wd rules are the seed's code,
// not switches; Init1 says libc has inotify_init1.
var Illumos = &P{
	Name: uapi.PersonalityIllumos, Backend: BackendFEM, Init1: true,
	VnodeLayer: true, LibcTruncate: true,
}

// byName holds the modelled personalities: every name of uapi.
var byName = map[string]*P{}

func init() {
	for _, p := range []*P{Linux, Linux2613, Linux2618, Linux2625, Illumos} {
		byName[p.Name] = p
	}
}

// Lookup returns the personality called name; a name of
// uapi.Personalities without a model would be "not modelled yet".
func Lookup(name string) (*P, error) {
	if p, ok := byName[name]; ok {
		return p, nil
	}
	if slices.Contains(uapi.Personalities(), name) {
		return nil, fmt.Errorf("personality %s is not modelled yet", name)
	}
	return nil, fmt.Errorf("unknown personality %q (known: %v)", name, Names())
}

// Names lists the modelled personalities, sorted.
func Names() []string {
	var out []string
	for n := range byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
