package vfs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// fixture builds the tree the error table runs against, as root.
func fixture(t *testing.T, task *sim.Task) {
	t.Helper()
	for _, d := range []struct {
		path string
		mode uint32
	}{{"/d", 0o755}, {"/d/sub", 0o755}, {"/e", 0o755}, {"/noexec", 0o700}, {"/noread", 0o311},
		{"/sticky", 0o1777}, {"/mnt", 0o755}, {"/open", 0o777}} {
		must(t, task.Mkdir(d.path, d.mode))
	}
	for _, f := range []string{"/d/f", "/d/sub/x", "/noexec/f", "/sticky/rootfile", "/open/rw"} {
		create(t, task, f)
	}
	must(t, task.Chmod("/sticky/rootfile", 0o666))
	must(t, task.Chmod("/open/rw", 0o666))
	must(t, task.Mount("tmpfs", "/mnt"))
	create(t, task, "/mnt/m")
	must(t, task.Symlink("/d/f", "/l0"))
	for i := 1; i <= 40; i++ {
		must(t, task.Symlink(fmt.Sprintf("/l%d", i-1), fmt.Sprintf("/l%d", i)))
	}
	must(t, task.Symlink("/self", "/self"))
	must(t, task.Symlink("/nowhere", "/dangling"))
	must(t, task.Symlink("d", "/dlink"))
}

// openClose opens path and closes it again.
func openClose(task *sim.Task, path string, flags int) error {
	fd, err := task.Open(path, flags, 0o644)
	if err != nil {
		return err
	}
	return task.Close(fd)
}

func TestErrors(t *testing.T) {
	k, root, _ := newKernel(t)
	fixture(t, root)
	user := k.NewTask(1000, 1000)
	long := strings.Repeat("a", 256)
	tests := []struct {
		name string
		as   *sim.Task
		op   func(task *sim.Task) error
		want string
	}{
		{"mkdir existing", root, func(x *sim.Task) error { return x.Mkdir("/d", 0o755) }, "EEXIST"},
		{"mkdir /", root, func(x *sim.Task) error { return x.Mkdir("/", 0o755) }, "EEXIST"},
		{"mkdir missing parent", root, func(x *sim.Task) error { return x.Mkdir("/nope/x", 0o755) }, "ENOENT"},
		{"mkdir under a file", root, func(x *sim.Task) error { return x.Mkdir("/d/f/x", 0o755) }, "ENOTDIR"},
		{"open empty path", root, func(x *sim.Task) error { return openClose(x, "", uapi.O_RDONLY) }, "ENOENT"},
		{"open file/", root, func(x *sim.Task) error { return openClose(x, "/d/f/", uapi.O_RDONLY) }, "ENOTDIR"},
		{"open dir for writing", root, func(x *sim.Task) error { return openClose(x, "/d", uapi.O_WRONLY) }, "EISDIR"},
		{"open dir O_CREAT", root, func(x *sim.Task) error { return openClose(x, "/d", uapi.O_CREAT|uapi.O_RDONLY) }, "EISDIR"},
		{"open file O_DIRECTORY", root, func(x *sim.Task) error { return openClose(x, "/d/f", uapi.O_DIRECTORY) }, "ENOTDIR"},
		{"open O_EXCL existing", root, func(x *sim.Task) error { return openClose(x, "/d/f", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY) }, "EEXIST"},
		{"open O_EXCL symlink", root, func(x *sim.Task) error { return openClose(x, "/dangling", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY) }, "EEXIST"},
		{"40 symlinks", root, func(x *sim.Task) error { return openClose(x, "/l39", uapi.O_RDONLY) }, "ok"},
		{"41 symlinks", root, func(x *sim.Task) error { return openClose(x, "/l40", uapi.O_RDONLY) }, "ELOOP"},
		{"41 symlinks mid-path", root, func(x *sim.Task) error { return x.Mkdir("/l40/x", 0o755) }, "ELOOP"},
		{"self loop", root, func(x *sim.Task) error { return openClose(x, "/self", uapi.O_RDONLY) }, "ELOOP"},
		{"O_NOFOLLOW", root, func(x *sim.Task) error { return openClose(x, "/l0", uapi.O_RDONLY|uapi.O_NOFOLLOW) }, "ELOOP"},
		{"O_NOFOLLOW O_CREAT", root, func(x *sim.Task) error { return openClose(x, "/l0", uapi.O_CREAT|uapi.O_WRONLY|uapi.O_NOFOLLOW) }, "ELOOP"},
		{"dangling", root, func(x *sim.Task) error { return openClose(x, "/dangling", uapi.O_RDONLY) }, "ENOENT"},
		{"symlink to dir mid-path", root, func(x *sim.Task) error { return openClose(x, "/dlink/f", uapi.O_RDONLY) }, "ok"},
		{"dot-dot above root", root, func(x *sim.Task) error { return openClose(x, "/../../d/./sub/../f", uapi.O_RDONLY) }, "ok"},
		{"component too long", root, func(x *sim.Task) error { return openClose(x, "/d/"+long, uapi.O_RDONLY) }, "ENAMETOOLONG"},
		{"create component too long", root, func(x *sim.Task) error { return x.Mkdir("/d/"+long, 0o755) }, "ENAMETOOLONG"},
		{"255-byte component", root, func(x *sim.Task) error { return openClose(x, "/d/"+long[1:], uapi.O_RDONLY) }, "ENOENT"},
		{"path too long", root, func(x *sim.Task) error { return openClose(x, "/"+strings.Repeat("d/", 2048), uapi.O_RDONLY) }, "ENAMETOOLONG"},
		{"rmdir file", root, func(x *sim.Task) error { return x.Rmdir("/d/f") }, "ENOTDIR"},
		{"rmdir non-empty", root, func(x *sim.Task) error { return x.Rmdir("/d") }, "ENOTEMPTY"},
		{"rmdir mountpoint", root, func(x *sim.Task) error { return x.Rmdir("/mnt") }, "EBUSY"},
		{"rmdir /", root, func(x *sim.Task) error { return x.Rmdir("/") }, "EBUSY"},
		{"rmdir dot", root, func(x *sim.Task) error { return x.Rmdir("/d/.") }, "EINVAL"},
		{"rmdir missing", root, func(x *sim.Task) error { return x.Rmdir("/d/nope") }, "ENOENT"},
		{"unlink dir", root, func(x *sim.Task) error { return x.Unlink("/d/sub") }, "EISDIR"},
		{"unlink missing", root, func(x *sim.Task) error { return x.Unlink("/d/nope") }, "ENOENT"},
		{"unlink file/", root, func(x *sim.Task) error { return x.Unlink("/d/f/") }, "ENOTDIR"},
		{"link dir", root, func(x *sim.Task) error { return x.Link("/d/sub", "/d/sub2") }, "EPERM"},
		{"link across mounts", root, func(x *sim.Task) error { return x.Link("/d/f", "/mnt/f") }, "EXDEV"},
		{"link onto existing", root, func(x *sim.Task) error { return x.Link("/d/f", "/d/sub/x") }, "EEXIST"},
		{"link missing", root, func(x *sim.Task) error { return x.Link("/d/nope", "/d/g") }, "ENOENT"},
		{"symlink existing", root, func(x *sim.Task) error { return x.Symlink("x", "/d/f") }, "EEXIST"},
		{"mkfifo existing", root, func(x *sim.Task) error { return x.Mkfifo("/d/f", 0o644) }, "EEXIST"},
		{"rename across mounts", root, func(x *sim.Task) error { return x.Rename("/d/f", "/mnt/f", 0) }, "EXDEV"},
		{"rename into own subtree", root, func(x *sim.Task) error { return x.Rename("/d", "/d/sub/in", 0) }, "EINVAL"},
		{"rename onto own child", root, func(x *sim.Task) error { return x.Rename("/d", "/d/sub", 0) }, "EINVAL"},
		{"rename onto an ancestor", root, func(x *sim.Task) error { return x.Rename("/d/sub", "/d", 0) }, "ENOTEMPTY"},
		{"rename dir onto file", root, func(x *sim.Task) error { return x.Rename("/d/sub", "/d/f", 0) }, "ENOTDIR"},
		{"rename file onto dir", root, func(x *sim.Task) error { return x.Rename("/d/f", "/e", 0) }, "EISDIR"},
		{"rename onto non-empty dir", root, func(x *sim.Task) error { return x.Rename("/e", "/d", 0) }, "ENOTEMPTY"},
		{"rename NOREPLACE", root, func(x *sim.Task) error { return x.Rename("/d/f", "/d/sub/x", uapi.RENAME_NOREPLACE) }, "EEXIST"},
		{"rename EXCHANGE no target", root, func(x *sim.Task) error { return x.Rename("/d/f", "/d/none", uapi.RENAME_EXCHANGE) }, "ENOENT"},
		{"rename both flags", root, func(x *sim.Task) error { return x.Rename("/d/f", "/d/sub/x", 3) }, "EINVAL"},
		{"rename mountpoint", root, func(x *sim.Task) error { return x.Rename("/mnt", "/mnt2", 0) }, "EBUSY"},
		{"rename onto mountpoint", root, func(x *sim.Task) error { return x.Rename("/e", "/mnt", 0) }, "EBUSY"},
		{"rename missing", root, func(x *sim.Task) error { return x.Rename("/d/nope", "/d/q", 0) }, "ENOENT"},
		{"rename dot", root, func(x *sim.Task) error { return x.Rename("/d/.", "/q", 0) }, "EBUSY"},
		{"umount non-mountpoint", root, func(x *sim.Task) error { return x.Umount("/d", 0) }, "EINVAL"},
		// "umount /" remounts the root read-only (do_umount_root), so
		// here, with the table's kernel shared, only its EBUSY case.
		{"umount / with a writer", root, func(x *sim.Task) error {
			fd, err := x.Open("/d/f", uapi.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer x.Close(fd)
			return x.Umount("/", 0)
		}, "EBUSY"},
		{"umount missing", root, func(x *sim.Task) error { return x.Umount("/nope", 0) }, "ENOENT"},
		{"mount ext4", root, func(x *sim.Task) error { return x.Mount("ext4", "/e") }, "ENODEV"},
		{"mount on a file", root, func(x *sim.Task) error { return x.Mount("tmpfs", "/d/f") }, "ENOTDIR"},
		{"mount as user", user, func(x *sim.Task) error { return x.Mount("tmpfs", "/e") }, "EPERM"},
		{"truncate dir", root, func(x *sim.Task) error { return x.Truncate("/d", 0) }, "EISDIR"},
		{"truncate negative", root, func(x *sim.Task) error { return x.Truncate("/d/f", -1) }, "EINVAL"},
		{"chdir file", root, func(x *sim.Task) error { return x.Chdir("/d/f") }, "ENOTDIR"},
		{"utimes bad which", root, func(x *sim.Task) error { return x.Utimes("/d/f", 7) }, "EINVAL"},
		// Permissions.
		{"no search", user, func(x *sim.Task) error { return openClose(x, "/noexec/f", uapi.O_RDONLY) }, "EACCES"},
		{"no search chdir", user, func(x *sim.Task) error { return x.Chdir("/noexec") }, "EACCES"},
		{"no read dir", user, func(x *sim.Task) error { _, err := x.Readdir("/noread"); return err }, "EACCES"},
		{"search without read", user, func(x *sim.Task) error { return x.Chdir("/noread") }, "ok"},
		{"no write", user, func(x *sim.Task) error { return openClose(x, "/d/f", uapi.O_WRONLY) }, "EACCES"},
		{"no write O_TRUNC", user, func(x *sim.Task) error { return openClose(x, "/d/f", uapi.O_RDONLY|uapi.O_TRUNC) }, "EACCES"},
		{"read ok", user, func(x *sim.Task) error { return openClose(x, "/d/f", uapi.O_RDONLY) }, "ok"},
		{"no write in dir", user, func(x *sim.Task) error { return x.Mkdir("/d/x", 0o755) }, "EACCES"},
		{"no write create", user, func(x *sim.Task) error { return openClose(x, "/d/new", uapi.O_CREAT|uapi.O_WRONLY) }, "EACCES"},
		{"no write unlink", user, func(x *sim.Task) error { return x.Unlink("/d/f") }, "EACCES"},
		{"no write truncate", user, func(x *sim.Task) error { return x.Truncate("/d/f", 0) }, "EACCES"},
		{"chmod not owner", user, func(x *sim.Task) error { return x.Chmod("/d/f", 0o777) }, "EPERM"},
		{"chown not root", user, func(x *sim.Task) error { return x.Chown("/d/f", 1000, 1000) }, "EPERM"},
		{"utimes both with write access", user, func(x *sim.Task) error { return x.Utimes("/open/rw", sim.UtimeBoth) }, "ok"},
		{"utimes one side not owner", user, func(x *sim.Task) error { return x.Utimes("/open/rw", sim.UtimeMtime) }, "EPERM"},
		{"utimes no write access", user, func(x *sim.Task) error { return x.Utimes("/d/f", sim.UtimeBoth) }, "EACCES"},
		{"sticky not owner", user, func(x *sim.Task) error { return x.Unlink("/sticky/rootfile") }, "EPERM"},
		{"sticky rename not owner", user, func(x *sim.Task) error { return x.Rename("/sticky/rootfile", "/sticky/mine", 0) }, "EPERM"},
		{"sticky own file", user, func(x *sim.Task) error {
			if err := openClose(x, "/sticky/mine", uapi.O_CREAT|uapi.O_WRONLY); err != nil {
				return err
			}
			return x.Unlink("/sticky/mine")
		}, "ok"},
		{"root ignores sticky", root, func(x *sim.Task) error { return x.Link("/sticky/rootfile", "/sticky/l") }, "ok"},
		{"chown own file gid", user, func(x *sim.Task) error {
			if err := openClose(x, "/open/own", uapi.O_CREAT|uapi.O_WRONLY); err != nil {
				return err
			}
			return x.Chown("/open/own", vfs.NoChange, 1000)
		}, "ok"},
		{"chown own file to foreign gid", user, func(x *sim.Task) error { return x.Chown("/open/own", vfs.NoChange, 5) }, "EPERM"},
		{"root exec needs an x bit", root, func(x *sim.Task) error { return k.VFS().Permission(x.Ctx(), inodeOf(t, x, "/d/f"), vfs.MAY_EXEC) }, "EACCES"},
		{"root may search any dir", root, func(x *sim.Task) error { return openClose(x, "/noexec/f", uapi.O_RDWR) }, "ok"},
	}
	for _, tc := range tests {
		if err := tc.op(tc.as); err != errno(tc.want) {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestGroupsPermission(t *testing.T) {
	_, root, _ := newKernel(t)
	must(t, root.Mkdir("/g", 0o770))
	must(t, root.Chown("/g", 0, 50))
	u := root.Kernel().NewTask(1000, 1000)
	if err := u.Mkdir("/g/x", 0o755); err != errno("EACCES") {
		t.Fatalf("not in group: %v", err)
	}
	u.SetCred(1000, 1000, 50)
	must(t, u.Mkdir("/g/x", 0o755))
	u.SetCred(1000, 50)
	must(t, u.Rmdir("/g/x"))
}

func TestFdErrors(t *testing.T) {
	_, task, _ := newKernel(t)
	create(t, task, "/f")
	must(t, task.Mkdir("/d", 0o755))
	ro := open(t, task, "/f", uapi.O_RDONLY, 0)
	wo := open(t, task, "/f", uapi.O_WRONLY, 0)
	dir := open(t, task, "/d", uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	if _, err := task.Write(ro, []byte("x")); err != errno("EBADF") {
		t.Errorf("write on O_RDONLY: %v", err)
	}
	if _, err := task.Read(wo, 1); err != errno("EBADF") {
		t.Errorf("read on O_WRONLY: %v", err)
	}
	if _, err := task.Read(dir, 1); err != errno("EISDIR") {
		t.Errorf("read on a dir: %v", err)
	}
	if err := task.Ftruncate(ro, 0); err != errno("EINVAL") {
		t.Errorf("ftruncate on O_RDONLY: %v", err)
	}
	for _, fd := range []int{-1, 99} {
		if _, err := task.Read(fd, 1); err != errno("EBADF") {
			t.Errorf("read(%d): %v", fd, err)
		}
		if _, err := task.Write(fd, nil); err != errno("EBADF") {
			t.Errorf("write(%d): %v", fd, err)
		}
		if err := task.Fchmod(fd, 0); err != errno("EBADF") {
			t.Errorf("fchmod(%d): %v", fd, err)
		}
	}
	// lseek and positions.
	n, err := task.Write(wo, []byte("hello"))
	if n != 5 || err != nil {
		t.Fatal(n, err)
	}
	if pos, err := task.Lseek(ro, 3); pos != 3 || err != nil {
		t.Fatal(pos, err)
	}
	if b, _ := task.Read(ro, 10); string(b) != "lo" {
		t.Errorf("read after lseek: %q", b)
	}
	if _, err := task.Lseek(ro, -1); err != errno("EINVAL") {
		t.Errorf("lseek -1: %v", err)
	}
	app := open(t, task, "/f", uapi.O_WRONLY|uapi.O_APPEND, 0)
	if _, err := task.Write(app, []byte("!")); err != nil {
		t.Fatal(err)
	}
	if pos, _ := task.Lseek(ro, 0); pos != 0 {
		t.Fatal(pos)
	}
	if b, _ := task.Read(ro, 10); string(b) != "hello!" {
		t.Errorf("after append: %q", b)
	}
	// A special file: lseek gives 0, write on O_RDONLY EBADF.
	af := task.Kernel().VFS().NewAnonFile(task.Cur(), nil, uapi.O_RDONLY)
	sfd, err := task.InstallFile(af, false)
	must(t, err)
	if pos, err := task.Lseek(sfd, 10); pos != 0 || err != nil {
		t.Errorf("lseek special: %d %v", pos, err)
	}
	if _, err := task.Write(sfd, []byte("x")); err != errno("EBADF") {
		t.Errorf("write special O_RDONLY: %v", err)
	}
	// Fifos: ENXIO for a writer without readers, EAGAIN where the kernel
	// would block, ESPIPE on lseek.
	must(t, task.Mkfifo("/p", 0o666))
	if _, err := task.Open("/p", uapi.O_WRONLY|uapi.O_NONBLOCK, 0); err != errno("ENXIO") {
		t.Errorf("fifo writer without reader: %v", err)
	}
	if _, err := task.Open("/p", uapi.O_RDONLY, 0); err != errno("EAGAIN") {
		t.Errorf("blocking fifo reader: %v", err)
	}
	rd := open(t, task, "/p", uapi.O_RDONLY|uapi.O_NONBLOCK, 0)
	wr := open(t, task, "/p", uapi.O_WRONLY, 0)
	if _, err := task.Read(rd, 1); err != errno("EAGAIN") {
		t.Errorf("empty fifo read: %v", err)
	}
	if _, err := task.Lseek(rd, 0); err != errno("ESPIPE") {
		t.Errorf("fifo lseek: %v", err)
	}
	must(t, task.Close(wr))
	if b, err := task.Read(rd, 1); len(b) != 0 || err != nil {
		t.Errorf("fifo EOF: %q %v", b, err)
	}
	must(t, task.Close(rd))
}
