package unixsim_test

// The consumer test: every test here runs unchanged on the simulator and
// on the host's kernel (simtest.OnBoth), through unixsim.Sys alone.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
)

type event struct {
	Wd     int32
	Mask   uint32
	Cookie uint32
	Name   string
}

func (e event) String() string {
	return fmt.Sprintf("%d %#x %s", e.Wd, e.Mask, e.Name)
}

// decode parses read(2)'s bytes from an inotify fd.
func decode(t *testing.T, b []byte) []event {
	t.Helper()
	var out []event
	for len(b) > 0 {
		if len(b) < unix.SizeofInotifyEvent {
			t.Fatalf("short event: %d bytes", len(b))
		}
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		n := unix.SizeofInotifyEvent + int(raw.Len)
		name := strings.TrimRight(string(b[unix.SizeofInotifyEvent:n]), "\x00")
		out = append(out, event{raw.Wd, raw.Mask, raw.Cookie, name})
		b = b[n:]
	}
	return out
}

// drain reads a non-blocking inotify fd until EAGAIN.
func drain(t *testing.T, sys unixsim.Sys, fd int) []event {
	t.Helper()
	var out []event
	buf := make([]byte, 64<<10)
	for {
		n, err := sys.Read(fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			return out
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, decode(t, buf[:n])...)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func creat(t *testing.T, sys unixsim.Sys, path, data string) {
	t.Helper()
	fd, err := sys.Open(path, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	must(t, err)
	if data != "" {
		_, err = sys.Write(fd, []byte(data))
		must(t, err)
	}
	must(t, sys.Close(fd))
}

func TestEventsOfCommonCalls(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		must(t, err)
		defer sys.Close(in)
		wd, err := sys.InotifyAddWatch(in, root, unix.IN_ALL_EVENTS)
		must(t, err)
		must(t, sys.Mkdir(root+"/d", 0o755))
		creat(t, sys, root+"/f", "hello")
		must(t, sys.Rename(root+"/f", root+"/d/g"))
		must(t, sys.Symlink("d/g", root+"/s"))
		must(t, sys.Link(root+"/d/g", root+"/h"))
		must(t, sys.Chmod(root+"/h", 0o600))
		must(t, sys.Unlink(root+"/s"))
		must(t, sys.Rename(root+"/h", root+"/h2"))
		got := drain(t, sys, in)
		w := int32(wd)
		var cookie uint32
		for _, e := range got {
			if e.Mask&unix.IN_MOVED_FROM != 0 && e.Name == "h" {
				cookie = e.Cookie
			}
		}
		want := []event{
			{w, unix.IN_CREATE | unix.IN_ISDIR, 0, "d"},
			{w, unix.IN_CREATE, 0, "f"},
			{w, unix.IN_OPEN, 0, "f"},
			{w, unix.IN_MODIFY, 0, "f"},
			{w, unix.IN_CLOSE_WRITE, 0, "f"},
			{w, unix.IN_MOVED_FROM, got[5].Cookie, "f"},
			{w, unix.IN_CREATE, 0, "s"},
			{w, unix.IN_CREATE, 0, "h"},
			{w, unix.IN_ATTRIB, 0, "h"},
			{w, unix.IN_DELETE, 0, "s"},
			{w, unix.IN_MOVED_FROM, cookie, "h"},
			{w, unix.IN_MOVED_TO, cookie, "h2"},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		if cookie == 0 || got[5].Cookie == 0 || cookie == got[5].Cookie {
			t.Errorf("cookies %d and %d: want two different non-zero ones", got[5].Cookie, cookie)
		}
		if _, err := sys.InotifyRmWatch(in, uint32(wd)); err != nil {
			t.Fatal(err)
		}
		if got := drain(t, sys, in); len(got) != 1 || got[0].Mask != unix.IN_IGNORED {
			t.Errorf("after rm_watch: %v, want one IN_IGNORED", got)
		}
	})
}

func TestErrnos(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK)
		must(t, err)
		defer sys.Close(in)
		must(t, sys.Mkdir(root+"/d", 0o755))
		creat(t, sys, root+"/d/f", "")
		for _, c := range []struct {
			what string
			err  error
			want syscall.Errno
		}{
			{"add_watch missing", second(sys.InotifyAddWatch(in, root+"/missing", unix.IN_CREATE)), unix.ENOENT},
			{"add_watch mask 0", second(sys.InotifyAddWatch(in, root, 0)), unix.EINVAL},
			{"add_watch onlydir", second(sys.InotifyAddWatch(in, root+"/d/f", unix.IN_CREATE|unix.IN_ONLYDIR)), unix.ENOTDIR},
			{"rm_watch unknown", second(sys.InotifyRmWatch(in, 99)), unix.EINVAL},
			{"read bad fd", second(sys.Read(99, make([]byte, 64))), unix.EBADF},
			{"read too small", second(readAfterCreate(sys, in, root)), unix.EINVAL},
			{"mkdir exists", sys.Mkdir(root+"/d", 0o755), unix.EEXIST},
			{"rmdir not empty", sys.Rmdir(root + "/d"), unix.ENOTEMPTY},
			{"unlink dir", sys.Unlink(root + "/d"), unix.EISDIR},
			{"rename dir over file", sys.Rename(root+"/d", root+"/d/f"), unix.EINVAL},
			{"rename noreplace", sys.Renameat2(unix.AT_FDCWD, root+"/d/f", unix.AT_FDCWD, root+"/d", unix.RENAME_NOREPLACE), unix.EEXIST},
			{"readlink not link", second(sys.Readlink(root+"/d/f", make([]byte, 10))), unix.EINVAL},
			{"close bad fd", sys.Close(99), unix.EBADF},
			{"epoll_ctl regular file", epollAddFile(sys, root+"/d/f"), unix.EPERM},
		} {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s: %v, want %v", c.what, c.err, c.want)
			}
			if c.err != nil {
				var e syscall.Errno
				if !errors.As(c.err, &e) {
					t.Errorf("%s: %T is not a syscall.Errno", c.what, c.err)
				}
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

// readAfterCreate watches root, creates a file and reads with a buffer
// smaller than the event.
func readAfterCreate(sys unixsim.Sys, in int, root string) (int, error) {
	if _, err := sys.InotifyAddWatch(in, root, unix.IN_CREATE); err != nil {
		return 0, err
	}
	fd, err := sys.Open(root+"/x", unix.O_CREAT|unix.O_RDONLY, 0o644)
	if err != nil {
		return 0, err
	}
	sys.Close(fd)
	return sys.Read(in, make([]byte, 16))
}

func epollAddFile(sys unixsim.Sys, path string) error {
	ep, err := sys.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer sys.Close(ep)
	fd, err := sys.Open(path, unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer sys.Close(fd)
	return sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
}

func TestStatAndReaddir(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		must(t, sys.Mkdir(root+"/d", 0o750))
		creat(t, sys, root+"/f", "12345")
		must(t, sys.Symlink("f", root+"/l"))
		must(t, sys.Link(root+"/f", root+"/g"))
		must(t, sys.Mkfifo(root+"/p", 0o600))

		var st, lst unix.Stat_t
		must(t, sys.Stat(root+"/l", &st))
		must(t, sys.Lstat(root+"/l", &lst))
		if st.Mode != unix.S_IFREG|0o644 || st.Size != 5 || st.Nlink != 2 {
			t.Errorf("stat through the link: mode %o size %d nlink %d", st.Mode, st.Size, st.Nlink)
		}
		if lst.Mode&unix.S_IFMT != unix.S_IFLNK || lst.Size != 1 {
			t.Errorf("lstat: mode %o size %d", lst.Mode, lst.Size)
		}
		var dst unix.Stat_t
		must(t, sys.Stat(root+"/d", &dst))
		if dst.Mode != unix.S_IFDIR|0o750 || dst.Nlink != 2 {
			t.Errorf("dir: mode %o nlink %d", dst.Mode, dst.Nlink)
		}
		buf := make([]byte, 64)
		n, err := sys.Readlink(root+"/l", buf)
		must(t, err)
		if string(buf[:n]) != "f" {
			t.Errorf("readlink: %q", buf[:n])
		}
		fd, err := sys.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		must(t, err)
		defer sys.Close(fd)
		var fst unix.Stat_t
		must(t, sys.Fstat(fd, &fst))
		if fst.Mode&unix.S_IFMT != unix.S_IFDIR {
			t.Errorf("fstat of the dir: mode %o", fst.Mode)
		}
		got := map[string]byte{}
		inos := map[string]uint64{}
		b := make([]byte, 4096)
		for {
			n, err := sys.Getdents(fd, b)
			must(t, err)
			if n == 0 {
				break
			}
			for p := b[:n]; len(p) > 0; {
				reclen := binary.NativeEndian.Uint16(p[16:])
				name := strings.TrimRight(string(p[19:reclen]), "\x00")
				got[name] = p[18]
				inos[name] = binary.NativeEndian.Uint64(p[0:])
				p = p[reclen:]
			}
		}
		want := map[string]byte{".": unix.DT_DIR, "..": unix.DT_DIR, "d": unix.DT_DIR, "f": unix.DT_REG,
			"g": unix.DT_REG, "l": unix.DT_LNK, "p": unix.DT_FIFO}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("getdents names and types (-want +got):\n%s", d)
		}
		if inos["f"] != inos["g"] || inos["f"] != st.Ino || inos["d"] != dst.Ino {
			t.Errorf("d_ino: %v; stat f %d, d %d", inos, st.Ino, dst.Ino)
		}
	})
}

func TestEpollLevelAndEdge(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		lt, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		must(t, err)
		defer sys.Close(lt)
		et, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		must(t, err)
		defer sys.Close(et)
		for _, in := range []int{lt, et} {
			_, err := sys.InotifyAddWatch(in, root, unix.IN_CREATE)
			must(t, err)
		}
		ep, err := sys.EpollCreate1(unix.EPOLL_CLOEXEC)
		must(t, err)
		defer sys.Close(ep)
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, lt, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lt)}))
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, et, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(et)}))
		if err := sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, lt, &unix.EpollEvent{Events: unix.EPOLLIN}); !errors.Is(err, unix.EEXIST) {
			t.Errorf("second add: %v, want EEXIST", err)
		}
		ready := func() []int {
			evs := make([]unix.EpollEvent, 4)
			n, err := sys.EpollWait(ep, evs, 0)
			must(t, err)
			var fds []int
			for _, e := range evs[:n] {
				if e.Events != unix.EPOLLIN {
					t.Errorf("events %#x, want EPOLLIN", e.Events)
				}
				fds = append(fds, int(e.Fd))
			}
			sort.Ints(fds)
			return fds
		}
		if got := ready(); len(got) != 0 {
			t.Fatalf("ready before any event: %v", got)
		}
		creat(t, sys, root+"/a", "")
		both := []int{lt, et}
		sort.Ints(both)
		if d := cmp.Diff(both, ready()); d != "" {
			t.Errorf("after an event (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]int{lt}, ready()); d != "" {
			t.Errorf("again, nothing read: only the level-triggered one (-want +got):\n%s", d)
		}
		creat(t, sys, root+"/b", "")
		if d := cmp.Diff(both, ready()); d != "" {
			t.Errorf("a new event re-arms the edge (-want +got):\n%s", d)
		}
		drain(t, sys, lt)
		drain(t, sys, et)
		if got := ready(); len(got) != 0 {
			t.Errorf("ready after draining: %v", got)
		}
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_DEL, lt, nil))
		if err := sys.EpollCtl(ep, unix.EPOLL_CTL_DEL, lt, nil); !errors.Is(err, unix.ENOENT) {
			t.Errorf("second del: %v, want ENOENT", err)
		}
	})
}

func TestPipeEventfdPoll(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys := s.Sys
		p := make([]int, 2)
		must(t, sys.Pipe2(p, unix.O_NONBLOCK|unix.O_CLOEXEC))
		efd, err := sys.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		must(t, err)
		defer sys.Close(efd)
		fds := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}, {Fd: int32(p[1]), Events: unix.POLLOUT},
			{Fd: int32(efd), Events: unix.POLLIN}, {Fd: -1, Events: unix.POLLIN}}
		n, err := sys.Poll(fds, 0)
		must(t, err)
		if n != 1 || fds[0].Revents != 0 || fds[1].Revents != unix.POLLOUT || fds[2].Revents != 0 {
			t.Errorf("poll of empty pipe and eventfd: %d %+v", n, fds)
		}
		if _, err := sys.Read(p[0], make([]byte, 8)); !errors.Is(err, unix.EAGAIN) {
			t.Errorf("read of an empty pipe: %v, want EAGAIN", err)
		}
		_, err = sys.Write(p[1], []byte("hi"))
		must(t, err)
		one := binary.NativeEndian.AppendUint64(nil, 1)
		for range 3 {
			_, err = sys.Write(efd, one)
			must(t, err)
		}
		n, err = sys.Poll(fds, 0)
		must(t, err)
		if n != 3 || fds[0].Revents != unix.POLLIN || fds[2].Revents != unix.POLLIN {
			t.Errorf("poll with data: %d %+v", n, fds)
		}
		b := make([]byte, 8)
		if n, err := sys.Read(efd, b); err != nil || n != 8 || binary.NativeEndian.Uint64(b) != 3 {
			t.Errorf("eventfd read: %d %v %v", n, err, b)
		}
		if _, err := sys.Read(efd, b); !errors.Is(err, unix.EAGAIN) {
			t.Errorf("second eventfd read: %v, want EAGAIN", err)
		}
		if _, err := sys.Read(efd, b[:4]); !errors.Is(err, unix.EINVAL) {
			t.Errorf("eventfd read of 4 bytes: %v, want EINVAL", err)
		}
		must(t, sys.Close(p[1]))
		n, err = sys.Poll(fds[:1], 0)
		must(t, err)
		if n != 1 || fds[0].Revents != unix.POLLIN|unix.POLLHUP {
			t.Errorf("poll after the writer's close: %+v", fds[0])
		}
		if n, err := sys.Read(p[0], b); err != nil || string(b[:n]) != "hi" {
			t.Errorf("read: %q %v", b[:n], err)
		}
		if n, err := sys.Read(p[0], b); err != nil || n != 0 {
			t.Errorf("read at end of file: %d %v", n, err)
		}
		must(t, sys.Close(p[0]))
		if n, err := sys.Poll([]unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}, 0); err != nil || n != 1 {
			t.Errorf("poll of a closed fd: %d %v, want 1 (POLLNVAL)", n, err)
		}
	})
}

func TestNonblockByFcntl(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys := s.Sys
		in, err := sys.InotifyInit1(unix.IN_CLOEXEC)
		must(t, err)
		defer sys.Close(in)
		fl, err := sys.FcntlInt(uintptr(in), unix.F_GETFL, 0)
		must(t, err)
		if fl&unix.O_NONBLOCK != 0 {
			t.Fatalf("flags %#x before SetNonblock", fl)
		}
		must(t, sys.SetNonblock(in, true))
		fl, err = sys.FcntlInt(uintptr(in), unix.F_GETFL, 0)
		must(t, err)
		if fl&unix.O_NONBLOCK == 0 {
			t.Errorf("flags %#x after SetNonblock", fl)
		}
		if _, err := sys.Read(in, make([]byte, 4096)); !errors.Is(err, unix.EAGAIN) {
			t.Errorf("read: %v, want EAGAIN", err)
		}
		fdfl, err := sys.FcntlInt(uintptr(in), unix.F_GETFD, 0)
		must(t, err)
		if fdfl != unix.FD_CLOEXEC {
			t.Errorf("F_GETFD: %d", fdfl)
		}
	})
}

// TestOverflow queues one event more than max_queued_events (16384 on both
// kernels unless the host's was changed).
func TestOverflow(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		must(t, err)
		defer sys.Close(in)
		_, err = sys.InotifyAddWatch(in, root, unix.IN_CREATE|unix.IN_DELETE)
		must(t, err)
		const n = 8200 // two events each: 16400 > 16384
		for i := range n {
			p := fmt.Sprintf("%s/%d", root, i)
			creat(t, sys, p, "")
			must(t, sys.Unlink(p))
		}
		got := drain(t, sys, in)
		if len(got) != 16385 {
			t.Fatalf("%d events, want 16384 and the overflow", len(got))
		}
		if last := got[len(got)-1]; last.Wd != -1 || last.Mask != unix.IN_Q_OVERFLOW {
			t.Errorf("last event %v, want IN_Q_OVERFLOW", last)
		}
	})
}

// TestReaderGoroutine is the shape of a watcher: a goroutine sleeps in
// EpollWait on the inotify fd and an eventfd, hands what it reads to the
// test over a channel, and stops when the eventfd is written.
func TestReaderGoroutine(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		must(t, err)
		stop, err := sys.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		must(t, err)
		ep, err := sys.EpollCreate1(unix.EPOLL_CLOEXEC)
		must(t, err)
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, in, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(in)}))
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, stop, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(stop)}))
		names := make(chan string)
		done := make(chan error)
		go func() {
			defer close(done)
			evs := make([]unix.EpollEvent, 2)
			buf := make([]byte, 4096)
			for {
				n, err := sys.EpollWait(ep, evs, -1)
				if errors.Is(err, unix.EINTR) {
					continue
				}
				if err != nil {
					done <- err
					return
				}
				for _, e := range evs[:n] {
					if int(e.Fd) == stop {
						sys.Close(in)
						sys.Close(stop)
						sys.Close(ep)
						return
					}
					for {
						n, err := sys.Read(in, buf)
						if err != nil {
							break
						}
						for p := buf[:n]; len(p) > 0; {
							raw := (*unix.InotifyEvent)(unsafe.Pointer(&p[0]))
							end := unix.SizeofInotifyEvent + int(raw.Len)
							names <- strings.TrimRight(string(p[unix.SizeofInotifyEvent:end]), "\x00")
							p = p[end:]
						}
					}
				}
			}
		}()
		// inotify_add_watch on this goroutine while the reader sleeps.
		_, err = sys.InotifyAddWatch(in, root, unix.IN_CREATE)
		must(t, err)
		for _, name := range []string{"a", "b", "c"} {
			must(t, sys.Mkdir(root+"/"+name, 0o755))
			if got := <-names; got != name {
				t.Errorf("read %q, want %q", got, name)
			}
		}
		_, err = sys.Write(stop, binary.NativeEndian.AppendUint64(nil, 1))
		must(t, err)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestEpollOneshot: a one-shot item reports once, until EPOLL_CTL_MOD arms
// it again.
func TestEpollOneshot(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys := s.Sys
		efd, err := sys.Eventfd(1, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		must(t, err)
		defer sys.Close(efd)
		ep, err := sys.EpollCreate1(unix.EPOLL_CLOEXEC)
		must(t, err)
		defer sys.Close(ep)
		ev := &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(efd)}
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, efd, ev))
		evs := make([]unix.EpollEvent, 2)
		for i, want := range []int{1, 0} {
			if n, err := sys.EpollWait(ep, evs, 0); err != nil || n != want {
				t.Errorf("wait %d: %d %v, want %d", i, n, err, want)
			}
		}
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_MOD, efd, ev))
		if n, err := sys.EpollWait(ep, evs, 0); err != nil || n != 1 || evs[0].Fd != int32(efd) {
			t.Errorf("after MOD: %d %v %+v", n, err, evs[0])
		}
		if err := sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, ep, ev); !errors.Is(err, unix.EINVAL) {
			t.Errorf("adding an instance to itself: %v", err)
		}
	})
}
