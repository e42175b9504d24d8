package vfs

import (
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// File is an open file description (struct file).
type File struct {
	Path  Path // holds a mount and dentry reference; zero for anon files
	Flags int  // O_* flags given to open
	// Ops is f_op; for the inotify device it is the device itself, which
	// the kernel keeps in private_data (Go needs no cast).
	Ops   FileOperations // nil for tmpfs files
	Count kref.Ref       // f_count

	// PosLock (f_pos_lock) protects Pos.
	PosLock lockdep.Mutex
	Pos     int64
}

// Readable and Writable report FMODE_READ and FMODE_WRITE.
func (f *File) Readable() bool { return f.Flags&uapi.O_ACCMODE != uapi.O_WRONLY }
func (f *File) Writable() bool { return f.Flags&uapi.O_ACCMODE != uapi.O_RDONLY }
