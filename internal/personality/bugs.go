package personality

import (
	"fmt"
	"slices"
	"strings"
)

// Bug is a historical inotify bug the simulator can put back: a switch
// that restores the buggy code in the one place it lived, in the backend
// of its era (scenario directive "bug NAME", flag --bug NAME). Each
// switch's site in the code tests P.Has with its constant, and nothing
// else does.
type Bug uint8

// The bugs, in the order docs/bugs.md teaches them. Each names the
// commit that fixed it; where it was introduced later than inotify
// itself, the commit that did.
const (
	// BugHeadMerge: the queue coalesces a new event with the oldest unread
	// one instead of the newest, so an event equal to the head is lost
	// and an event equal to the tail is not merged. The code of seed 000
	// and 2.6.18 (inotify_dev_get_event), fixed by 1c17d18e3775 for
	// 2.6.25; on today's backend it is inotify_merge taking
	// list_first_entry, a mutation the property tests must catch.
	BugHeadMerge Bug = iota
	// BugMergeInode: 2.6.31's event_compare compared the events' inodes,
	// not their names; an unlink's dentry is negative, so two IN_DELETEs
	// in a row compare equal and the second is dropped (introduced by
	// 63c882a05416, fixed by 4a148ba98898).
	BugMergeInode
	// BugWdZero: the first 2.6.31 release candidates allocated wds from 0
	// (idr_get_new), and inotifywait took wd 0 for an error (fixed by
	// 08e53fcb0db3).
	BugWdZero
	// BugWdReuse: 2.6.31 and 2.6.32 gave out the lowest free wd, so a wd
	// is reused at once and a late event of the old watch reads as the
	// new one's (introduced by 7e790dd5fc93, fixed by 9e572cc987).
	BugWdReuse
	// BugUidLeak: 2.6.31–2.6.33's inotify_free_group_priv uncounted the
	// instance but never dropped the user_struct reference
	// inotify_new_group took (fixed by b3b38d842fa3).
	BugUidLeak
	// BugNoUnmountEvent: 2.6.31–2.6.35 left FS_UNMOUNT out of the mark's
	// mask (inotify_arg_to_mask), so an unmount gives IN_IGNORED without
	// IN_UNMOUNT (fixed by 611da04f7a31).
	BugNoUnmountEvent
	// BugCookieUninit: after 3.14-rc1 stopped sharing events between
	// groups, inotify_handle_event never set the event's sync_cookie, so
	// a rename's two events carry whatever the slab left there (introduced
	// by 7053aee26a35, fixed by 45a22f4c11fe).
	BugCookieUninit
	// BugOverflowOnce: fsnotify_remove_first_event unlinked the overflow
	// event with list_del, not list_del_init, so once it had been read
	// the "already queued" test stayed true and no overflow was ever
	// reported again (fixed by 2513190a926f, 3.14).
	BugOverflowOnce
	// BugMaskCreateLeak: CVE-2019-9857, inotify_update_existing_watch
	// returned EEXIST for IN_MASK_CREATE without dropping the reference
	// fsnotify_find_mark took: the mark, its group and the inode it pins
	// are never freed (introduced by 4d97f7d53da7, fixed by 62c9d2674b31).
	BugMaskCreateLeak
	// BugConnectorUAF: 4.12 brought the mark connector, and its last
	// mark's fsnotify_put_mark freed it at once, while an fsnotify()
	// inside its SRCU section could still be reading it: a use after
	// free (introduced by 08991e83b728, fixed by d90a10e2444b, 4.17,
	// which frees connectors after a grace period).
	BugConnectorUAF
	// BugClearMarksUAF: until 4.1, fsnotify_clear_marks_by_group_flags
	// walked the group's marks with list_for_each_entry_safe, the next
	// mark cached, while fsnotify_destroy_mark_locked dropped mark_mutex:
	// an eviction could destroy and free that next mark meanwhile, and
	// the walk went on from freed memory (fixed by 8f2f3eb59dff, 4.2;
	// LTP inotify06).
	BugClearMarksUAF
	// BugParentChildMask: 5.9–5.10 sent an event to a group's parent and
	// child marks after testing only the union of their masks, so each
	// mark got events it never asked for (introduced by eca4784cbb18,
	// fixed by fecc4559780d).
	BugParentChildMask
	// BugDeleteBeforeDDelete: 5.3–5.16 called fsnotify_unlink before
	// d_delete, so IN_DELETE came before the victim's IN_DELETE_SELF and
	// IN_IGNORED, while the name could still be looked up (introduced by
	// 49246466a989, fixed by a37d9a17f099).
	BugDeleteBeforeDDelete
	// BugInvalidWd: inotify_handle_inode_event read the mark's wd late,
	// after a racing inotify_remove_from_idr could set it to -1: an
	// ordinary event reported with wd -1 (since 2.6.31; fixed by
	// c915d8f5918b, 6.4).
	BugInvalidWd
	// BugOneshotUnmount: ac74c00e499e made the device's final put test
	// the watch's IN_ONESHOT (ending the leak seeds 001/002 have), which
	// exposed inotify_unmount_inodes: IN_UNMOUNT's handle_event now drops
	// a oneshot watch's last reference and remove_watch uses and puts it
	// again (fixed by 6ee5a399d6a9, 2.6.27).
	BugOneshotUnmount
	numBugs
)

// BugInfo describes one bug switch.
type BugInfo struct {
	Bug      Bug
	Name     string        // the directive's and the flag's name
	Backends []BackendKind // the backends whose code carries it
	Commit   string        // the commit that fixed it (or introduced it)
	About    string        // one line for inosim help
}

var bugTable = [numBugs]BugInfo{
	BugHeadMerge: {BugHeadMerge, "head-merge", []BackendKind{BackendHandle, BackendFsnotify}, "1c17d18e3775",
		"coalesce with the oldest queued event, not the newest (2.6.13-2.6.24)"},
	BugMergeInode: {BugMergeInode, "merge-inode", fsnotifyOnly, "4a148ba98898",
		"event_compare compares inodes, not names: unlink a; unlink b gives one IN_DELETE (2.6.31-rc)"},
	BugWdZero: {BugWdZero, "wd-zero", fsnotifyOnly, "08e53fcb0db3",
		"watch descriptors start at 0 (2.6.31-rc)"},
	BugWdReuse: {BugWdReuse, "wd-reuse", fsnotifyOnly, "9e572cc987",
		"the lowest free wd is given out, reusing a removed watch's at once (2.6.31-2.6.32)"},
	BugUidLeak: {BugUidLeak, "uid-leak", fsnotifyOnly, "b3b38d842fa3",
		"each instance leaks its user reference on release (2.6.31-2.6.33)"},
	BugNoUnmountEvent: {BugNoUnmountEvent, "no-unmount-event", fsnotifyOnly, "611da04f7a31",
		"FS_UNMOUNT missing from the mark's mask: no IN_UNMOUNT (2.6.31-2.6.35)"},
	BugCookieUninit: {BugCookieUninit, "cookie-uninit", fsnotifyOnly, "45a22f4c11fe",
		"the event's cookie is never set: a rename's two events do not pair (3.14-rc)"},
	BugOverflowOnce: {BugOverflowOnce, "overflow-once", fsnotifyOnly, "2513190a926f",
		"list_del, not list_del_init: after the first IN_Q_OVERFLOW is read, none again (3.14-rc)"},
	BugMaskCreateLeak: {BugMaskCreateLeak, "mask-create-leak", fsnotifyOnly, "62c9d2674b31",
		"CVE-2019-9857: IN_MASK_CREATE's EEXIST leaks a mark reference (4.19-5.0)"},
	BugConnectorUAF: {BugConnectorUAF, "connector-uaf", fsnotifyOnly, "d90a10e2444b",
		"the connector freed at its last mark's put, under fsnotify()'s readers (4.12-4.16)"},
	BugClearMarksUAF: {BugClearMarksUAF, "clear-marks-uaf", fsnotifyOnly, "8f2f3eb59dff",
		"an instance's release walks on from a next mark an eviction freed (to 4.1)"},
	BugParentChildMask: {BugParentChildMask, "parent-child-mask", fsnotifyOnly, "fecc4559780d",
		"parent and child marks get each other's events (5.9-5.10)"},
	BugDeleteBeforeDDelete: {BugDeleteBeforeDDelete, "delete-before-d-delete", fsnotifyOnly, "a37d9a17f099",
		"IN_DELETE before d_delete: before the victim's DELETE_SELF, name still visible (5.3-5.16)"},
	BugInvalidWd: {BugInvalidWd, "invalid-wd", fsnotifyOnly, "c915d8f5918b",
		"an event racing rm_watch is reported with wd -1 (2.6.31-6.3)"},
	BugOneshotUnmount: {BugOneshotUnmount, "oneshot-unmount", []BackendKind{BackendHandle}, "6ee5a399d6a9",
		"IN_ONESHOT + umount: the watch's last reference dropped twice (2.6.25-2.6.26)"},
}

var fsnotifyOnly = []BackendKind{BackendFsnotify}

// Bugs lists every bug switch, in order.
func Bugs() []BugInfo { return bugTable[:] }

// WithBackend lists, sorted, the personalities that run one of backends.
func WithBackend(backends []BackendKind) []string {
	var out []string
	for _, n := range Names() {
		if slices.Contains(backends, byName[n].Backend) {
			out = append(out, n)
		}
	}
	return out
}

// Has reports whether p carries bug b.
func (p *P) Has(b Bug) bool { return p.bugs&(1<<b) != 0 }

// BugNames lists p's bugs by name, in order.
func (p *P) BugNames() []string {
	var out []string
	for _, bi := range bugTable {
		if p.Has(bi.Bug) {
			out = append(out, bi.Name)
		}
	}
	return out
}

// WithBug returns a copy of p that carries the bug called name, or an
// error naming the known bugs, or saying that p's backend never had it.
func (p *P) WithBug(name string) (*P, error) {
	for _, bi := range bugTable {
		if bi.Name != name {
			continue
		}
		if !slices.Contains(bi.Backends, p.Backend) {
			return nil, fmt.Errorf("bug %s is not in personality %s's code", name, p.Name)
		}
		q := *p
		q.bugs |= 1 << bi.Bug
		return &q, nil
	}
	var names []string
	for _, bi := range bugTable {
		names = append(names, bi.Name)
	}
	return nil, fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(names, ", "))
}
