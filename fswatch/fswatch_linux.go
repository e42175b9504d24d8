package fswatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/unixsim"
)

// Op describes a set of file operations, as fsnotify.Op.
type Op uint32

// The operations fsnotify reports.
const (
	Create Op = 1 << iota // a path was created (or moved in)
	Write                 // a file was written to (or truncated)
	Remove                // a path was removed
	Rename                // a path was moved away (the new name gets a Create)
	Chmod                 // attributes changed (also sent on Linux when a link is removed)

	// The operations fsnotify keeps unexported (xUnportable*): only
	// with WithOps.
	UnportableOpen       // IN_OPEN
	UnportableRead       // IN_ACCESS
	UnportableCloseWrite // IN_CLOSE_WRITE
	UnportableCloseRead  // IN_CLOSE_NOWRITE
)

var opNames = []struct {
	op   Op
	name string
}{
	{Create, "CREATE"}, {Remove, "REMOVE"}, {Write, "WRITE"}, {Rename, "RENAME"}, {Chmod, "CHMOD"},
	{UnportableOpen, "OPEN"}, {UnportableRead, "READ"}, {UnportableCloseWrite, "CLOSE_WRITE"},
	{UnportableCloseRead, "CLOSE_READ"},
}

// Has reports whether o has h.
func (o Op) Has(h Op) bool { return o&h != 0 }

func (o Op) String() string {
	var b strings.Builder
	for _, n := range opNames {
		if o.Has(n.op) {
			b.WriteString("|" + n.name)
		}
	}
	if b.Len() == 0 {
		return "[no events]"
	}
	return b.String()[1:]
}

// Event is one file-system event, as fsnotify.Event.
type Event struct {
	Name string // the path, as added, joined with the name inotify gave
	Op   Op

	// renamedFrom is the old path of a Create that a rename made, when
	// the watcher saw both ends (fsnotify's own unexported field).
	renamedFrom string
}

// Has reports whether e's Op has op.
func (e Event) Has(op Op) bool { return e.Op.Has(op) }

func (e Event) String() string {
	if e.renamedFrom != "" {
		return fmt.Sprintf("%-13s %q ← %q", e.Op.String(), e.Name, e.renamedFrom)
	}
	return fmt.Sprintf("%-13s %q", e.Op.String(), e.Name)
}

// Errors, as fsnotify's.
var (
	ErrNonExistentWatch = errors.New("fsnotify: can't remove non-existent watch")
	ErrEventOverflow    = errors.New("fsnotify: queue or buffer overflow")
	ErrClosed           = errors.New("fsnotify: watcher already closed")
	ErrRecursion        = errors.New("fsnotify: recursive watch not supported")
)

// AddOpt is an option of AddWith.
type AddOpt func(*withOpts)

type withOpts struct {
	op       Op
	noFollow bool
}

// WithBufferSize is fsnotify's Windows buffer size: no effect here.
func WithBufferSize(bytes int) AddOpt { return func(*withOpts) {} }

// WithOps chooses the operations to watch for (default: Create, Write,
// Remove, Rename, Chmod).
func WithOps(op Op) AddOpt { return func(o *withOpts) { o.op = op } }

// WithNoFollow watches a symlink itself, not its target (IN_DONT_FOLLOW).
func WithNoFollow() AddOpt { return func(o *withOpts) { o.noFollow = true } }

type watch struct {
	wd    uint32
	flags uint32
	path  string
}

type cookie struct {
	cookie uint32
	path   string
}

// Watcher watches paths and sends their events on Events, as
// fsnotify.Watcher.
type Watcher struct {
	// Events sends the events; Errors sends ErrEventOverflow and the
	// errors of reading. Both are closed when the watcher has closed.
	Events chan Event
	Errors chan error

	sys            unixsim.Sys
	fd, epfd, wake int

	// mu protects the following fields.
	mu      sync.Mutex
	byWd    map[uint32]*watch
	byPath  map[string]uint32
	cookies [10]cookie // the last MOVED_FROMs, to pair with MOVED_TO
	next    int

	closeMu  sync.Mutex
	done     chan struct{} // closed by Close
	doneResp chan struct{} // closed by the reader when it has stopped
}

// NewWatcher starts a watcher on sys, with unbuffered channels.
func NewWatcher(sys unixsim.Sys) (*Watcher, error) { return NewBufferedWatcher(sys, 0) }

// NewBufferedWatcher starts a watcher whose Events channel has room for
// size events.
func NewBufferedWatcher(sys unixsim.Sys, size uint) (*Watcher, error) {
	fd, err := sys.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	wake, err := sys.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		sys.Close(fd)
		return nil, err
	}
	epfd, err := sys.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err == nil {
		err = sys.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
	}
	if err == nil {
		err = sys.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)})
	}
	if err != nil {
		sys.Close(fd)
		sys.Close(wake)
		if epfd >= 0 {
			sys.Close(epfd)
		}
		return nil, err
	}
	w := &Watcher{
		Events: make(chan Event, size), Errors: make(chan error),
		sys: sys, fd: fd, epfd: epfd, wake: wake,
		byWd: map[uint32]*watch{}, byPath: map[string]uint32{},
		done: make(chan struct{}), doneResp: make(chan struct{}),
	}
	go w.readEvents()
	return w, nil
}

func (w *Watcher) isClosed() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// Close stops the watcher: its watches go with its inotify fd, and the
// Events and Errors channels are closed. It returns when the reader has
// stopped. Later calls do nothing.
func (w *Watcher) Close() error {
	w.closeMu.Lock()
	if w.isClosed() {
		w.closeMu.Unlock()
		return nil
	}
	close(w.done)
	w.closeMu.Unlock()
	_, err := w.sys.Write(w.wake, binary.NativeEndian.AppendUint64(nil, 1))
	<-w.doneResp
	return err
}

// Add watches name (AddWith without options).
func (w *Watcher) Add(name string) error { return w.AddWith(name) }

// AddWith watches name: a directory's entries and itself, or a file. A
// path watched already is updated (its ops are added to). ErrClosed after
// Close.
func (w *Watcher) AddWith(name string, opts ...AddOpt) error {
	if w.isClosed() {
		return ErrClosed
	}
	if strings.HasSuffix(name, "...") {
		return ErrRecursion
	}
	name = filepath.Clean(name)
	o := withOpts{op: Create | Write | Remove | Rename | Chmod}
	for _, opt := range opts {
		opt(&o)
	}
	var flags uint32
	if o.noFollow {
		flags |= unix.IN_DONT_FOLLOW
	}
	for _, m := range []struct {
		op   Op
		mask uint32
	}{
		{Create, unix.IN_CREATE}, {Write, unix.IN_MODIFY}, {Remove, unix.IN_DELETE | unix.IN_DELETE_SELF},
		{Rename, unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_MOVE_SELF}, {Chmod, unix.IN_ATTRIB},
		{UnportableOpen, unix.IN_OPEN}, {UnportableRead, unix.IN_ACCESS},
		{UnportableCloseWrite, unix.IN_CLOSE_WRITE}, {UnportableCloseRead, unix.IN_CLOSE_NOWRITE},
	} {
		if o.op.Has(m.op) {
			flags |= m.mask
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	old, ok := w.byWd[w.byPath[name]]
	if ok {
		flags |= old.flags | unix.IN_MASK_ADD
	}
	wd, err := w.sys.InotifyAddWatch(w.fd, name, flags)
	if err != nil {
		return err
	}
	if ok && old.wd != uint32(wd) {
		delete(w.byWd, old.wd)
	}
	w.byWd[uint32(wd)] = &watch{wd: uint32(wd), flags: flags, path: name}
	w.byPath[name] = uint32(wd)
	return nil
}

// Remove stops watching name. ErrNonExistentWatch (wrapped) when it is not
// watched; nil after Close.
func (w *Watcher) Remove(name string) error {
	if w.isClosed() {
		return nil
	}
	return w.remove(filepath.Clean(name))
}

func (w *Watcher) remove(name string) error {
	w.mu.Lock()
	wd, ok := w.byPath[name]
	if ok {
		delete(w.byPath, name)
		delete(w.byWd, wd)
	}
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNonExistentWatch, name)
	}
	_, err := w.sys.InotifyRmWatch(w.fd, wd)
	return err
}

// WatchList returns the watched paths, sorted; nil after Close.
func (w *Watcher) WatchList() []string {
	if w.isClosed() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.byPath))
	for p := range w.byPath {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (w *Watcher) sendEvent(e Event) bool {
	select {
	case w.Events <- e:
		return true
	case <-w.done:
		return false
	}
}

func (w *Watcher) sendError(err error) bool {
	select {
	case w.Errors <- err:
		return true
	case <-w.done:
		return false
	}
}

// readEvents is the reader goroutine: it sleeps in EpollWait until the
// inotify fd has events or Close writes the eventfd.
func (w *Watcher) readEvents() {
	defer func() {
		w.sys.Close(w.fd)
		w.sys.Close(w.epfd)
		w.sys.Close(w.wake)
		close(w.doneResp)
		close(w.Errors)
		close(w.Events)
	}()
	evs := make([]unix.EpollEvent, 2)
	buf := make([]byte, unix.SizeofInotifyEvent*4096)
	for {
		n, err := w.sys.EpollWait(w.epfd, evs, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			if !w.sendError(err) {
				return
			}
			continue
		}
		if w.isClosed() {
			return
		}
		for _, ev := range evs[:n] {
			if int(ev.Fd) == w.fd && !w.readAll(buf) {
				return
			}
		}
	}
}

// readAll reads the inotify fd until it is empty, handling each event;
// false when the watcher closed meanwhile.
func (w *Watcher) readAll(buf []byte) bool {
	for {
		n, err := w.sys.Read(w.fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			return true
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return w.sendError(err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			ck := binary.NativeEndian.Uint32(buf[off+8:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+nameLen]), "\x00")
			off += unix.SizeofInotifyEvent + nameLen
			if !w.handle(wd, mask, ck, name) {
				return false
			}
		}
	}
}

// handle turns one inotify event into what fsnotify's Linux backend sends.
func (w *Watcher) handle(wd int32, mask, ck uint32, name string) bool {
	if mask&unix.IN_Q_OVERFLOW != 0 && !w.sendError(ErrEventOverflow) {
		return false
	}
	w.mu.Lock()
	wt := w.byWd[uint32(wd)]
	var path string
	if wt != nil {
		path = wt.path
	}
	w.mu.Unlock()
	if wt == nil {
		return true // removed by Remove, or the overflow's wd -1
	}
	full := path
	if name != "" {
		full = path + "/" + name
	}
	if mask&unix.IN_IGNORED != 0 {
		w.forget(wt)
		return true
	}
	if mask&unix.IN_DELETE_SELF != 0 {
		w.forget(wt)
	}
	if mask&unix.IN_MOVE_SELF != 0 {
		// The watch cannot follow the new name: drop it.
		if err := w.remove(path); err != nil && !errors.Is(err, ErrNonExistentWatch) && !w.sendError(err) {
			return false
		}
	}
	if mask&unix.IN_DELETE_SELF != 0 {
		// The parent's watch, if any, has sent the Remove already.
		w.mu.Lock()
		_, parent := w.byPath[filepath.Dir(path)]
		w.mu.Unlock()
		if parent {
			return true
		}
	}
	e := w.newEvent(full, mask, ck)
	if e.Op == 0 {
		return true
	}
	return w.sendEvent(e)
}

// forget drops wt from the bookkeeping if it is still there.
func (w *Watcher) forget(wt *watch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byWd[wt.wd] == wt {
		delete(w.byWd, wt.wd)
		if w.byPath[wt.path] == wt.wd {
			delete(w.byPath, wt.path)
		}
	}
}

func (w *Watcher) newEvent(name string, mask, ck uint32) Event {
	e := Event{Name: name}
	for _, m := range []struct {
		mask uint32
		op   Op
	}{
		{unix.IN_CREATE | unix.IN_MOVED_TO, Create}, {unix.IN_DELETE | unix.IN_DELETE_SELF, Remove},
		{unix.IN_MODIFY, Write}, {unix.IN_OPEN, UnportableOpen}, {unix.IN_ACCESS, UnportableRead},
		{unix.IN_CLOSE_WRITE, UnportableCloseWrite}, {unix.IN_CLOSE_NOWRITE, UnportableCloseRead},
		{unix.IN_MOVE_SELF | unix.IN_MOVED_FROM, Rename}, {unix.IN_ATTRIB, Chmod},
	} {
		if mask&m.mask != 0 {
			e.Op |= m.op
		}
	}
	if ck == 0 {
		return e
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case mask&unix.IN_MOVED_FROM != 0:
		w.cookies[w.next] = cookie{cookie: ck, path: name}
		w.next = (w.next + 1) % len(w.cookies)
	case mask&unix.IN_MOVED_TO != 0:
		for _, c := range w.cookies {
			if c.cookie == ck {
				e.renamedFrom = c.path
				break
			}
		}
	}
	return e
}
