package vfs

import (
	"syscall"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/uapi"
)

// Ioctl is do_vfs_ioctl: FIONREAD of a regular file is answered here
// (i_size - f_pos, which may be negative), of a fifo by pipe_ioctl (the
// bytes in the pipe); every other request goes to the file's
// unlocked_ioctl (Ioctler), and a file without one is ENOTTY.
func (v *VFS) Ioctl(ctx *Context, f *File, req uint, arg int64) (int, error) {
	cur := ctx.Cur
	if req == uapi.FIONREAD && f.Path.Dentry != nil {
		ino := pathInode(cur, f.Path)
		switch ino.Type() {
		case inode.S_IFREG:
			// The kernel reads f_pos and i_size without locks; Go's
			// race detector wants the locks that guard their writes.
			f.PosLock.Lock(cur)
			pos := f.Pos
			f.PosLock.Unlock(cur)
			ino.IMutex.Lock(cur)
			size := ino.Size
			ino.IMutex.Unlock(cur)
			return int(int32(size - pos)), nil
		case inode.S_IFIFO:
			ino.IMutex.Lock(cur)
			defer ino.IMutex.Unlock(cur)
			return len(pipeLocked(cur, ino).buf), nil
		}
	}
	if io, ok := f.Ops.(Ioctler); ok {
		return io.Ioctl(cur, f, req, arg)
	}
	return -1, syscall.ENOTTY
}
