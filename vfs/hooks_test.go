package vfs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// open opens path and fails the test on an error.
func open(t *testing.T, task *sim.Task, path string, flags int, mode uint32) int {
	t.Helper()
	fd, err := task.Open(path, flags, mode)
	must(t, err)
	return fd
}

// expect compares the recorded hooks with want.
func expect(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	got := r.take()
	if !slices.Equal(got, want) {
		t.Errorf("hooks:\n  got  %s\n  want %s", strings.Join(got, "\n       "), strings.Join(want, "\n       "))
	}
}

func TestHooksCreateWriteClose(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/d", 0o755))
	expect(t, r, "mkdir dir=1 d ino=2")
	fd := open(t, task, "/d/f", uapi.O_CREAT|uapi.O_WRONLY, 0o644)
	expect(t, r, "create dir=2 f ino=3", "open f")
	n, err := task.Write(fd, []byte("hello"))
	if n != 5 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	if _, err := task.Write(fd, nil); err != nil {
		t.Fatal(err)
	}
	expect(t, r, "modify f")
	must(t, task.Close(fd))
	expect(t, r, "close f write=true")

	fd = open(t, task, "/d/f", uapi.O_RDONLY, 0)
	b, err := task.Read(fd, 100)
	if string(b) != "hello" || err != nil {
		t.Fatalf("read = %q, %v", b, err)
	}
	if b, err := task.Read(fd, 100); len(b) != 0 || err != nil {
		t.Fatalf("read at EOF = %q, %v", b, err)
	}
	must(t, task.Close(fd))
	expect(t, r, "open f", "access f", "close f write=false")

	// O_CREAT of an existing file: no create; O_TRUNC: open then change.
	fd = open(t, task, "/d/f", uapi.O_CREAT|uapi.O_RDWR|uapi.O_TRUNC, 0o644)
	must(t, task.Close(fd))
	expect(t, r, "open f", "change f SIZE|MTIME|CTIME", "close f write=true")

	// O_EXCL failure: no hooks.
	if _, err := task.Open("/d/f", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY, 0o644); err != errno("EEXIST") {
		t.Fatalf("O_EXCL: %v", err)
	}
	expect(t, r)
}

func TestHooksUnlink(t *testing.T) {
	_, task, r := newKernel(t)
	create(t, task, "/f")
	create(t, task, "/g")
	must(t, task.Link("/g", "/h"))
	r.take()

	must(t, task.Unlink("/f"))
	expect(t, r, "linkcount ino=2 nlink=0", "inoderemove ino=2", "delete dir=1 f ino=2", "evict ino=2")

	must(t, task.Unlink("/h"))
	expect(t, r, "linkcount ino=3 nlink=1", "delete dir=1 h ino=3")

	fd := open(t, task, "/g", uapi.O_RDWR, 0)
	r.take()
	must(t, task.Unlink("/g"))
	expect(t, r, "linkcount ino=3 nlink=0", "delete dir=1 g ino=3")
	_, err := task.Write(fd, []byte("x"))
	must(t, err)
	must(t, task.Fchmod(fd, 0o600))
	expect(t, r, "modify g", "change g MODE|CTIME")
	must(t, task.Close(fd))
	expect(t, r, "close g write=true", "inoderemove ino=3", "evict ino=3")
}

// create makes an empty file at path.
func create(t *testing.T, task *sim.Task, path string) {
	t.Helper()
	fd := open(t, task, path, uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644)
	must(t, task.Close(fd))
}

func TestHooksDirsLinksAttrs(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/d", 0o755))
	must(t, task.Mkdir("/d/sub", 0o700))
	create(t, task, "/d/f")
	r.take()

	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"link", func() error { return task.Link("/d/f", "/d/g") },
			[]string{"link dir=2 g ino=4 nlink=2"}},
		{"symlink", func() error { return task.Symlink("f", "/d/s") },
			[]string{"create dir=2 s ino=5"}},
		{"mkfifo", func() error { return task.Mkfifo("/d/p", 0o600) },
			[]string{"create dir=2 p ino=6"}},
		{"chmod same mode", func() error { return task.Chmod("/d/f", 0o644) },
			[]string{"change f MODE|CTIME"}},
		{"chmod through symlink", func() error { return task.Chmod("/d/s", 0o600) },
			[]string{"change f MODE|CTIME"}},
		{"chown", func() error { return task.Chown("/d/f", 1, 2) },
			[]string{"change f UID|GID|CTIME"}},
		{"chown gid only", func() error { return task.Chown("/d/f", vfs.NoChange, 3) },
			[]string{"change f GID|CTIME"}},
		{"lchown symlink", func() error { return task.Lchown("/d/s", 0, 0) },
			[]string{"change s UID|GID|CTIME"}},
		{"utimes both", func() error { return task.Utimes("/d/f", sim.UtimeBoth) },
			[]string{"change f ATIME|MTIME|CTIME"}},
		{"utimes atime", func() error { return task.Utimes("/d/f", sim.UtimeAtime) },
			[]string{"change f ATIME|CTIME"}},
		{"utimes mtime", func() error { return task.Utimes("/d/f", sim.UtimeMtime) },
			[]string{"change f MTIME|CTIME"}},
		{"truncate", func() error { return task.Truncate("/d/g", 3) },
			[]string{"change g SIZE|CTIME"}},
		{"chmod dir", func() error { return task.Chmod("/d", 0o755) },
			[]string{"change d MODE|CTIME"}},
		{"rmdir", func() error { return task.Rmdir("/d/sub") },
			[]string{"inoderemove ino=3", "delete dir=2 sub ino=3", "evict ino=3"}},
		{"rmdir non-empty", func() error {
			if err := task.Rmdir("/d"); err != errno("ENOTEMPTY") {
				return err
			}
			return nil
		}, nil},
		{"readdir", func() error {
			names, err := task.Readdir("/d")
			if want := []string{".", "..", "f", "g", "p", "s"}; !slices.Equal(names, want) {
				t.Errorf("readdir = %q, want %q", names, want)
			}
			return err
		}, []string{"open d", "access d", "access d", "close d write=false"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := r.take()
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: hooks\n  got  %q\n  want %q", s.name, got, s.want)
		}
	}

	fd := open(t, task, "/d/f", uapi.O_RDWR, 0)
	must(t, task.Ftruncate(fd, 0))
	must(t, task.Close(fd))
	expect(t, r, "open f", "change f SIZE|MTIME|CTIME", "close f write=true")

	fd = open(t, task, "/d/p", uapi.O_RDWR, 0)
	if _, err := task.Write(fd, []byte("ab")); err != nil {
		t.Fatal(err)
	}
	if b, err := task.Read(fd, 10); string(b) != "ab" || err != nil {
		t.Fatalf("fifo read %q %v", b, err)
	}
	must(t, task.Close(fd))
	expect(t, r, "open p", "modify p", "access p", "close p write=true")
}

func TestHooksRename(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/a", 0o755)) // 2
	must(t, task.Mkdir("/b", 0o755)) // 3
	create(t, task, "/a/x")          // 4
	create(t, task, "/b/y")          // 5
	create(t, task, "/b/z")          // 6
	must(t, task.Mkdir("/a/dir", 0o755))
	r.take()

	must(t, task.Rename("/a/x", "/b/x2", 0))
	expect(t, r, "move 2:x -> 3:x2 isdir=false target=0 ino=4")

	// Over a target: the target's inode goes when its dentry does, at the
	// end of the call.
	must(t, task.Rename("/b/x2", "/b/y", 0))
	expect(t, r, "move 3:x2 -> 3:y isdir=false target=5 ino=4", "inoderemove ino=5", "evict ino=5")

	// Over an open target: at its last close.
	fd := open(t, task, "/b/z", uapi.O_RDONLY, 0)
	r.take()
	must(t, task.Rename("/b/y", "/b/z", 0))
	expect(t, r, "move 3:y -> 3:z isdir=false target=6 ino=4")
	must(t, task.Close(fd))
	expect(t, r, "close z write=false", "inoderemove ino=6", "evict ino=6")

	// Exchange: two moves, no target.
	must(t, task.Rename("/b/z", "/a/dir", uapi.RENAME_EXCHANGE))
	expect(t, r, "move 3:z -> 2:dir isdir=false target=0 ino=4",
		"move 2:dir -> 3:z isdir=true target=0 ino=7")

	// A directory, across parents.
	must(t, task.Rename("/b/z", "/a/moved", 0))
	expect(t, r, "move 3:z -> 2:moved isdir=true target=0 ino=7")

	// Onto itself and onto another link of the same inode: no hooks.
	must(t, task.Link("/a/dir", "/a/dir2"))
	r.take()
	must(t, task.Rename("/a/dir", "/a/dir", 0))
	must(t, task.Rename("/a/dir", "/a/dir2", 0))
	expect(t, r)
	names, err := task.Readdir("/a")
	must(t, err)
	if want := []string{".", "..", "dir", "dir2", "moved"}; !slices.Equal(names, want) {
		t.Errorf("after same-inode renames: %q, want %q", names, want)
	}
}

func TestHooksUmount(t *testing.T) {
	k, task, r := newKernel(t)
	must(t, task.Mkdir("/mnt", 0o755))
	must(t, task.Mount("tmpfs", "/mnt"))
	must(t, task.Mkdir("/mnt/sub", 0o755))
	create(t, task, "/mnt/sub/f")
	r.take()
	must(t, task.Umount("/mnt", 0))
	expect(t, r, "unmount dev=2 inodes=[3 2 1]", "evict ino=3", "evict ino=2", "evict ino=1")

	// Lazy, with a file open: nothing until the last close.
	must(t, task.Mount("tmpfs", "/mnt"))
	create(t, task, "/mnt/f")
	fd := open(t, task, "/mnt/f", uapi.O_RDONLY, 0)
	r.take()
	if err := task.Umount("/mnt", 0); err != errno("EBUSY") {
		t.Fatalf("umount with an open file: %v", err)
	}
	must(t, task.Umount("/mnt", uapi.MNT_DETACH))
	expect(t, r)
	if _, err := task.Open("/mnt/f", uapi.O_RDONLY, 0); err != errno("ENOENT") {
		t.Fatalf("open after umount -l: %v", err)
	}
	must(t, task.Close(fd))
	expect(t, r, "close f write=false", "unmount dev=3 inodes=[2 1]", "evict ino=2", "evict ino=1")
	_ = k
}
