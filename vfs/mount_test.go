package vfs_test

import (
	"slices"
	"testing"

	"github.com/inosim/inosim/uapi"
)

func TestUmountBusy(t *testing.T) {
	k, root, r := newKernel(t)
	must(t, root.Mkdir("/mnt", 0o755))
	must(t, root.Mount("tmpfs", "/mnt"))
	must(t, root.Mkdir("/mnt/sub", 0o755))

	other := k.NewTask(0, 0)
	must(t, other.Chdir("/mnt/sub"))
	r.take()
	if err := root.Umount("/mnt", 0); err != errno("EBUSY") {
		t.Fatalf("umount with a cwd inside: %v", err)
	}
	expect(t, r)
	must(t, other.Chdir("/"))

	// A child mount makes it busy too.
	must(t, root.Mount("tmpfs", "/mnt/sub"))
	if err := root.Umount("/mnt", 0); err != errno("EBUSY") {
		t.Fatalf("umount with a child mount: %v", err)
	}
	must(t, root.Umount("/mnt/sub", 0))
	r.take()
	must(t, root.Umount("/mnt", 0))
	expect(t, r, "unmount dev=2 inodes=[2 1]", "evict ino=2", "evict ino=1")
}

func TestMountStackingAndDotDot(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/mnt", 0o755))
	create(t, task, "/mnt/under")
	must(t, task.Mount("tmpfs", "/mnt"))
	create(t, task, "/mnt/first")
	must(t, task.Mount("tmpfs", "/mnt"))
	create(t, task, "/mnt/second")
	names, err := task.Readdir("/mnt")
	must(t, err)
	if want := []string{".", "..", "second"}; !slices.Equal(names, want) {
		t.Fatalf("top of the stack: %q", names)
	}
	// The new root is 1777 and root-owned.
	ino := inodeOf(t, task, "/mnt")
	if ino.Mode() != 0o41777 || ino.Uid() != 0 {
		t.Errorf("mount root mode %o uid %d", ino.Mode(), ino.Uid())
	}
	// ".." from a mount root crosses to the mountpoint's parent.
	must(t, task.Chdir("/mnt"))
	must(t, openClose(task, "../mnt/second", uapi.O_RDONLY))
	must(t, openClose(task, "../mnt/../mnt/second", uapi.O_RDONLY|uapi.O_NOFOLLOW))
	if err := openClose(task, "second/../second", uapi.O_RDONLY); err != errno("ENOTDIR") {
		t.Errorf("file/..: %v", err)
	}
	must(t, task.Chdir("/"))
	must(t, task.Umount("/mnt", 0))
	names, _ = task.Readdir("/mnt")
	if want := []string{".", "..", "first"}; !slices.Equal(names, want) {
		t.Fatalf("after popping one mount: %q", names)
	}
	must(t, task.Umount("/mnt", 0))
	names, _ = task.Readdir("/mnt")
	if want := []string{".", "..", "under"}; !slices.Equal(names, want) {
		t.Fatalf("after popping both: %q", names)
	}
	r.take()
}

func TestLazyUmountTree(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/a", 0o755))
	must(t, task.Mount("tmpfs", "/a"))
	must(t, task.Mkdir("/a/b", 0o755))
	must(t, task.Mount("tmpfs", "/a/b"))
	create(t, task, "/a/b/f")
	must(t, task.Chdir("/a/b"))
	r.take()
	// As in today's kernel (umount_tree drops each child's reference on its
	// parent), the outer mount, which nothing uses, goes at once; the inner
	// one, holding the cwd, is cut off from it and waits.
	must(t, task.Umount("/a", uapi.MNT_DETACH))
	expect(t, r, "unmount dev=2 inodes=[2 1]", "evict ino=2", "evict ino=1")
	// The cwd still works inside the detached mount, ".." stays at its root.
	must(t, openClose(task, "f", uapi.O_RDONLY))
	must(t, openClose(task, "../../f", uapi.O_RDONLY))
	r.take()
	must(t, task.Chdir("/"))
	expect(t, r, "unmount dev=3 inodes=[2 1]", "evict ino=2", "evict ino=1")
	if _, err := task.Readdir("/a/b"); err != errno("ENOENT") {
		t.Fatalf("detached tree still reachable: %v", err)
	}
}

func TestCwdFollowsRename(t *testing.T) {
	_, task, _ := newKernel(t)
	must(t, task.Mkdir("/old", 0o755))
	must(t, task.Chdir("/old"))
	must(t, task.Rename("/old", "/new", 0))
	create(t, task, "rel")
	must(t, openClose(task, "/new/rel", uapi.O_RDONLY))
	must(t, task.Mkdir("/other", 0o755))
	must(t, task.Rename("/new", "/other/deeper", 0))
	must(t, openClose(task, "rel", uapi.O_RDONLY))
	must(t, openClose(task, "../../other/deeper/rel", uapi.O_RDONLY))
	// A removed cwd: creating in it fails with ENOENT.
	must(t, task.Unlink("rel"))
	must(t, task.Rmdir("/other/deeper"))
	if err := task.Mkdir("x", 0o755); err != errno("ENOENT") {
		t.Fatalf("mkdir in a removed cwd: %v", err)
	}
	if _, err := task.Readdir("."); err != errno("ENOENT") {
		t.Fatalf("readdir of a removed cwd: %v", err)
	}
}

func TestCreateThroughDanglingSymlink(t *testing.T) {
	_, task, r := newKernel(t)
	must(t, task.Mkdir("/d", 0o755))
	must(t, task.Symlink("d/target", "/link"))
	r.take()
	fd := open(t, task, "/link", uapi.O_CREAT|uapi.O_WRONLY, 0o600)
	must(t, task.Close(fd))
	expect(t, r, "create dir=2 target ino=4", "open target", "close target write=true")
	if ino := inodeOf(t, task, "/d/target"); ino.Mode() != 0o100600 {
		t.Errorf("mode %o", ino.Mode())
	}
}

func TestTmpfsCountsAndTimes(t *testing.T) {
	k, task, _ := newKernel(t)
	root := inodeOf(t, task, "/")
	if root.Mode() != 0o40755 || root.Nlink() != 2 {
		t.Fatalf("root mode %o nlink %d", root.Mode(), root.Nlink())
	}
	must(t, task.Mkdir("/a", 0o755))
	must(t, task.Mkdir("/b", 0o755))
	if root.Nlink() != 4 {
		t.Errorf("root nlink %d, want 4", root.Nlink())
	}
	must(t, task.Rename("/b", "/a/b", 0))
	if root.Nlink() != 3 || inodeOf(t, task, "/a").Nlink() != 3 {
		t.Errorf("after moving a dir: root %d a %d", root.Nlink(), inodeOf(t, task, "/a").Nlink())
	}
	create(t, task, "/a/f")
	a := inodeOf(t, task, "/a")
	before := a.Mtime()
	must(t, task.Link("/a/f", "/a/g"))
	f := inodeOf(t, task, "/a/f")
	if f.Nlink() != 2 || a.Mtime() <= before {
		t.Errorf("link: nlink %d, dir mtime %d -> %d", f.Nlink(), before, a.Mtime())
	}
	fd := open(t, task, "/a/f", uapi.O_WRONLY, 0)
	m := f.Mtime()
	if _, err := task.Write(fd, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	must(t, task.Close(fd))
	if f.Size != 3 || f.Mtime() <= m || f.Ctime() != f.Mtime() {
		t.Errorf("write: size %d mtime %d -> %d", f.Size, m, f.Mtime())
	}
	must(t, task.Rmdir("/a/b"))
	if a.Nlink() != 2 {
		t.Errorf("after rmdir: %d", a.Nlink())
	}
	// New files take the task's ids.
	u := k.NewTask(7, 8)
	must(t, task.Chmod("/a", 0o777))
	must(t, u.Mkdir("/a/u", 0o700))
	if ino := inodeOf(t, u, "/a/u"); ino.Uid() != 7 || ino.Gid() != 8 || ino.Mode() != 0o40700 {
		t.Errorf("owner %d:%d mode %o", ino.Uid(), ino.Gid(), ino.Mode())
	}
}
