package vfs

import (
	"context"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/internal/lockdep"
)

// Cred is the part of struct cred permission checks use.
type Cred struct {
	Uid, Gid uint32
	Groups   []uint32
	// ID tells credentials apart as illumos's cred_t pointers do: a
	// task's credentials get a new ID whenever they change (as setuid
	// makes a new cred_t), and seed 004 counts instances per cred_t.
	ID uint64
}

// Path is a (mount, dentry) pair, struct path.
type Path struct {
	Mnt    *Mount
	Dentry *dentry.Dentry
}

// Context is what a system call brings into the VFS from `current`: the
// lockdep task, the credentials and the fs_struct (root and cwd). It
// belongs to one task and is used by one goroutine at a time.
type Context struct {
	Cur  *lockdep.Task
	Cred Cred
	Root Path // holds a mount and dentry reference
	Pwd  Path // holds a mount and dentry reference
	// Did is the calling thread's id (illumos's curthread->t_did; a
	// simulated task is one thread): seed 004's rename cookie.
	Did uint64
}

// FileOperations are a special file's operations (struct file_operations);
// nil for a regular tmpfs file, directory or fifo.
type FileOperations interface {
	// Release runs at the last fput, before the file's path is put.
	Release(cur *lockdep.Task, f *File)
}

// Permission mask bits (MAY_*).
const (
	MAY_EXEC  = 1
	MAY_WRITE = 2
	MAY_READ  = 4
)

// Reader is implemented by the FileOperations of a special file that can
// be read (f_op->read): the inotify device. ctx carries cancellation for a
// blocking read.
type Reader interface {
	Read(ctx context.Context, cur *lockdep.Task, f *File, n int) ([]byte, error)
}

// Ioctler is implemented by the FileOperations of a special file with
// ioctls (f_op->unlocked_ioctl); a file without gives ENOTTY.
type Ioctler interface {
	Ioctl(cur *lockdep.Task, f *File, req uint, arg int64) (int, error)
}

// Poller is implemented by the FileOperations of a special file whose
// readiness varies (f_op->poll): it reports POLLIN. A file without is
// always readable.
type Poller interface {
	Poll(cur *lockdep.Task, f *File) bool
}
