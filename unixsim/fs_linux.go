package unixsim

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// FS returns the file tree under dir as an io/fs.FS, read with sys's calls
// (open, fstat, read, getdents64, lstat): on the simulator a view of the
// simulated tree, on the host as os.DirFS would be. Like os.DirFS it
// follows symlinks when it opens a name. Reading makes the events the
// calls make (IN_OPEN, IN_ACCESS, IN_CLOSE_NOWRITE).
func FS(sys Sys, dir string) fs.FS { return &dirFS{sys: sys, dir: dir} }

type dirFS struct {
	sys Sys
	dir string
}

func (d *dirFS) join(name string) string {
	if name == "." {
		return d.dir
	}
	return d.dir + "/" + name
}

func (d *dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	fd, err := d.sys.Open(d.join(name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{d: d, name: name, fd: fd}, nil
}

type file struct {
	d      *dirFS
	name   string
	fd     int
	closed bool
	ents   []fs.DirEntry // a directory's entries not yet returned
	listed bool
}

func (f *file) Stat() (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := f.d.sys.Fstat(f.fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: f.name, Err: err}
	}
	return fileInfo(path.Base(f.name), &st), nil
}

func (f *file) Read(b []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if len(b) == 0 {
		return 0, nil
	}
	n, err := f.d.sys.Read(f.fd, b)
	if err != nil {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *file) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return f.d.sys.Close(f.fd)
}

// ReadDir lists a directory with getdents64, "." and ".." left out, in
// name order as fs.ReadDirFile asks.
func (f *file) ReadDir(n int) ([]fs.DirEntry, error) {
	if !f.listed {
		f.listed = true
		buf := make([]byte, 8192)
		for {
			k, err := f.d.sys.Getdents(f.fd, buf)
			if err != nil {
				return nil, &fs.PathError{Op: "readdir", Path: f.name, Err: err}
			}
			if k == 0 {
				break
			}
			for p := buf[:k]; len(p) > 0; {
				reclen := binary.NativeEndian.Uint16(p[16:])
				nm := strings.TrimRight(string(p[19:reclen]), "\x00")
				if nm != "." && nm != ".." {
					f.ents = append(f.ents, &dirEntry{d: f.d, dir: f.name, name: nm, typ: p[18]})
				}
				p = p[reclen:]
			}
		}
		sort.Slice(f.ents, func(i, j int) bool { return f.ents[i].Name() < f.ents[j].Name() })
	}
	if n <= 0 {
		out := f.ents
		f.ents = nil
		return out, nil
	}
	if len(f.ents) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(f.ents))
	out := f.ents[:n:n]
	f.ents = f.ents[n:]
	return out, nil
}

type dirEntry struct {
	d         *dirFS
	dir, name string
	typ       byte
}

func (e *dirEntry) Name() string { return e.name }
func (e *dirEntry) IsDir() bool  { return e.typ == unix.DT_DIR }
func (e *dirEntry) Type() fs.FileMode {
	switch e.typ {
	case unix.DT_DIR:
		return fs.ModeDir
	case unix.DT_LNK:
		return fs.ModeSymlink
	case unix.DT_FIFO:
		return fs.ModeNamedPipe
	}
	return 0
}

func (e *dirEntry) Info() (fs.FileInfo, error) {
	p := path.Join(e.dir, e.name)
	var st unix.Stat_t
	if err := e.d.sys.Lstat(e.d.join(p), &st); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			err = fs.ErrNotExist
		}
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return fileInfo(e.name, &st), nil
}

func (e *dirEntry) String() string { return fs.FormatDirEntry(e) }

type info struct {
	name string
	st   unix.Stat_t
}

func fileInfo(name string, st *unix.Stat_t) fs.FileInfo { return &info{name: name, st: *st} }

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.st.Size }
func (i *info) ModTime() time.Time { return time.Unix(i.st.Mtim.Unix()) }
func (i *info) IsDir() bool        { return i.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (i *info) Sys() any           { return &i.st }
func (i *info) Mode() fs.FileMode {
	m := fs.FileMode(i.st.Mode & 0o777)
	switch i.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	}
	if i.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if i.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if i.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}
func (i *info) String() string { return fs.FormatFileInfo(i) }

var _ fs.ReadLinkFS = (*dirFS)(nil)

// ReadLink is readlink(2) of name (fs.ReadLinkFS).
func (d *dirFS) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	buf := make([]byte, 4096)
	n, err := d.sys.Readlink(d.join(name), buf)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(buf[:n]), nil
}

// Lstat is lstat(2) of name (fs.ReadLinkFS).
func (d *dirFS) Lstat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrInvalid}
	}
	var st unix.Stat_t
	if err := d.sys.Lstat(d.join(name), &st); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return fileInfo(path.Base(name), &st), nil
}
