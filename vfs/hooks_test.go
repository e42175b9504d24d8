package vfs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/inosim/inosim/sim"
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
	fd := open(t, task, "/d/f", vfs.O_CREAT|vfs.O_WRONLY, 0o644)
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

	fd = open(t, task, "/d/f", vfs.O_RDONLY, 0)
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
	fd = open(t, task, "/d/f", vfs.O_CREAT|vfs.O_RDWR|vfs.O_TRUNC, 0o644)
	must(t, task.Close(fd))
	expect(t, r, "open f", "change f SIZE|MTIME|CTIME", "close f write=true")

	// O_EXCL failure: no hooks.
	if _, err := task.Open("/d/f", vfs.O_CREAT|vfs.O_EXCL|vfs.O_WRONLY, 0o644); err != errno("EEXIST") {
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

	fd := open(t, task, "/g", vfs.O_RDWR, 0)
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
	fd := open(t, task, path, vfs.O_CREAT|vfs.O_WRONLY|vfs.O_TRUNC, 0o644)
	must(t, task.Close(fd))
}
