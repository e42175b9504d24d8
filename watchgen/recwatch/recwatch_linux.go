// Package recwatch is the worked example of docs/testing-your-watcher.md:
// a recursive watcher (every directory and regular file under a root
// watched, its view of the tree kept from the events) written against
// unixsim.Sys, with three classic bugs planted behind switches.
package recwatch

import (
	"encoding/binary"
	"errors"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/unixsim"
)

// Bugs plants the classic bugs.
type Bugs struct {
	// MoveWithoutRescan: an entry moved to a new name is renamed in the
	// watcher's books only, never looked at. A directory (or file)
	// created and renamed before the watcher read its IN_CREATE is then
	// never watched: its watch could not be added under the old name.
	MoveWithoutRescan bool
	// KeepUnpairedMovedFrom: an IN_MOVED_FROM with no IN_MOVED_TO (the
	// entry left the tree) is ignored, so the watcher goes on believing
	// in it (and watching it).
	KeepUnpairedMovedFrom bool
	// OneWdOnePath: the watcher assumes inotify_add_watch gives each path
	// its own wd. For a hard link it returns the wd of the inode's watch;
	// removing one name then removes the watch the other name needs.
	OneWdOnePath bool
}

// Mask is what the watcher asks for on every directory and file.
const Mask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_MODIFY | unix.IN_DELETE_SELF | unix.IN_DONT_FOLLOW

// Watcher keeps a view of the tree under Root: every path and its kind.
type Watcher struct {
	sys  unixsim.Sys
	fd   int
	root string
	bugs Bugs

	kind   map[string]byte         // path → 'd', 'f', 'l'
	wd     map[string]int          // path → wd (directories and files)
	paths  map[int]map[string]bool // wd → its paths (several for hard links)
	moving map[uint32]string       // IN_MOVED_FROM's path by cookie, until its pair
	// Err is the first error that makes the view incomplete (ENOSPC past
	// max_user_watches); Overflows counts IN_Q_OVERFLOW rescans.
	Err       error
	Overflows int
}

// New watches root and everything under it.
func New(sys unixsim.Sys, root string, bugs Bugs) (*Watcher, error) {
	fd, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	w := &Watcher{sys: sys, fd: fd, root: root, bugs: bugs, kind: map[string]byte{}, wd: map[string]int{},
		paths: map[int]map[string]bool{}, moving: map[uint32]string{}}
	w.addTree(root)
	return w, nil
}

// Close closes the inotify instance.
func (w *Watcher) Close() error { return w.sys.Close(w.fd) }

// View returns the paths the watcher believes in, relative to Root, sorted,
// each prefixed by its kind ("d a/b").
func (w *Watcher) View() []string {
	var out []string
	for p, k := range w.kind {
		if p != w.root {
			out = append(out, string(k)+" "+strings.TrimPrefix(p, w.root+"/"))
		}
	}
	sort.Strings(out)
	return out
}

// Watched returns the wd the watcher believes watches path (0: none).
func (w *Watcher) Watched(path string) int { return w.wd[path] }

func (w *Watcher) watch(p string) bool {
	wd, err := w.sys.InotifyAddWatch(w.fd, p, Mask)
	if err != nil {
		if errors.Is(err, unix.ENOSPC) && w.Err == nil {
			w.Err = err
		}
		return false
	}
	if old, ok := w.wd[p]; ok && old != wd {
		delete(w.paths[old], p) // the books had the wrong inode for p
	}
	if w.bugs.OneWdOnePath {
		w.paths[wd] = map[string]bool{p: true}
	} else if w.paths[wd] == nil {
		w.paths[wd] = map[string]bool{}
	}
	w.paths[wd][p] = true
	w.wd[p] = wd
	return true
}

// addTree watches p and, for a directory, scans it: what was created in it
// before its watch was added has no event.
func (w *Watcher) addTree(p string) {
	var st unix.Stat_t
	if err := w.sys.Lstat(p, &st); err != nil {
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		w.forgetUnder(p, nil) // the books may have had a directory here
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		w.kind[p] = 'l'
		return
	case unix.S_IFREG:
		if w.watch(p) {
			w.kind[p] = 'f'
		}
		return
	case unix.S_IFDIR:
	default:
		return
	}
	if !w.watch(p) {
		return
	}
	w.kind[p] = 'd'
	fd, err := w.sys.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer w.sys.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := w.sys.Getdents(fd, buf)
		if err != nil || n == 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[p+"/"+n] = true
		w.addTree(p + "/" + n)
	}
	w.forgetUnder(p, keep)
}

// forgetUnder forgets the children of directory p that keep does not
// hold (all of them for nil): the books had entries the tree has not.
func (w *Watcher) forgetUnder(p string, keep map[string]bool) {
	var gone []string
	for q := range w.kind {
		if rest, ok := strings.CutPrefix(q, p+"/"); ok && !strings.Contains(rest, "/") && !keep[q] {
			gone = append(gone, q)
		}
	}
	for _, q := range gone {
		w.forget(q)
	}
}

// forget drops path p and everything under it from the books, removing a
// watch no remaining path needs.
func (w *Watcher) forget(p string) {
	for q := range w.kind {
		if q != p && !strings.HasPrefix(q, p+"/") {
			continue
		}
		delete(w.kind, q)
		wd, ok := w.wd[q]
		if !ok {
			continue
		}
		delete(w.wd, q)
		delete(w.paths[wd], q)
		if len(w.paths[wd]) == 0 || w.bugs.OneWdOnePath {
			delete(w.paths, wd)
			w.sys.InotifyRmWatch(w.fd, uint32(wd))
		}
	}
}

// move renames from → to (and everything under it) in the books.
func (w *Watcher) move(from, to string) {
	if _, ok := w.kind[to]; ok {
		w.forget(to) // replaced
	}
	for q, k := range w.kind {
		if q != from && !strings.HasPrefix(q, from+"/") {
			continue
		}
		nq := to + q[len(from):]
		delete(w.kind, q)
		w.kind[nq] = k
		if wd, ok := w.wd[q]; ok {
			delete(w.wd, q)
			w.wd[nq] = wd
			delete(w.paths[wd], q)
			if w.paths[wd] == nil {
				w.paths[wd] = map[string]bool{}
			}
			w.paths[wd][nq] = true
		}
	}
}

// dirOf returns the directory a wd watches ("" for a file's or an unknown
// wd).
func (w *Watcher) dirOf(wd int) string {
	for p := range w.paths[wd] {
		if w.kind[p] == 'd' {
			return p
		}
	}
	return ""
}

// Sync reads every queued event and brings the view up to date.
func (w *Watcher) Sync() error {
	buf := make([]byte, 64<<10)
	rescan := false
	for {
		n, err := w.sys.Read(w.fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			return err
		}
		for off := 0; off < n; {
			wd := int(int32(binary.NativeEndian.Uint32(buf[off:])))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			cookie := binary.NativeEndian.Uint32(buf[off+8:])
			l := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+16:off+16+l]), "\x00")
			off += 16 + l
			if mask&unix.IN_Q_OVERFLOW != 0 {
				rescan = true
				continue
			}
			w.event(wd, mask, cookie, name)
		}
	}
	w.flushMoves()
	if rescan {
		w.Overflows++
		w.moving = map[uint32]string{}
		for p := range w.kind {
			if p != w.root {
				w.forget(p)
			}
		}
		w.addTree(w.root)
	}
	return nil
}

// flushMoves forgets the entries whose IN_MOVED_FROM has no IN_MOVED_TO:
// they left the tree. The kernel queues the two events of one rename one
// after the other, so any other event (or the end of the queue) means
// there is no pair.
func (w *Watcher) flushMoves() {
	if w.bugs.KeepUnpairedMovedFrom {
		return
	}
	for c, p := range w.moving {
		w.forget(p)
		delete(w.moving, c)
	}
}

func (w *Watcher) event(wd int, mask, cookie uint32, name string) {
	if _, paired := w.moving[cookie]; !paired || mask&unix.IN_MOVED_TO == 0 {
		w.flushMoves()
	}
	if mask&unix.IN_IGNORED != 0 {
		for p := range w.paths[wd] {
			if w.wd[p] == wd {
				delete(w.wd, p)
			}
		}
		delete(w.paths, wd)
		return
	}
	dir := w.dirOf(wd)
	if name == "" || dir == "" {
		return
	}
	p := dir + "/" + name
	switch {
	case mask&unix.IN_CREATE != 0:
		w.addTree(p)
	case mask&unix.IN_DELETE != 0:
		w.forget(p)
	case mask&unix.IN_MOVED_FROM != 0:
		w.moving[cookie] = p
	case mask&unix.IN_MOVED_TO != 0:
		from, ok := w.moving[cookie]
		delete(w.moving, cookie)
		if !ok {
			if _, ok := w.kind[p]; ok {
				w.forget(p) // replaced by what came in
			}
			w.addTree(p) // moved in from outside
			return
		}
		w.move(from, p)
		if w.bugs.MoveWithoutRescan {
			return
		}
		// Look again: what was renamed before the watcher saw it created
		// is not in the books, a directory may hold what was created in
		// it before it was watched, and the name the books had may have
		// been watched after it already named another inode.
		w.addTree(p)
	}
}

// FD returns the watcher's inotify fd (for tests that probe its watches).
func (w *Watcher) FD() int { return w.fd }
