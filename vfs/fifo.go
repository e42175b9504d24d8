package vfs

import (
	"syscall"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// pipe is a fifo's pipe_inode_info, kept in Inode.Pipe under its i_mutex.
type pipe struct {
	readers, writers int
	buf              []byte
}

// pipeLocked returns ino's pipe, allocating it on first open.
// Precondition: ino.IMutex is held.
func pipeLocked(cur *lockdep.Task, ino *inode.Inode) *pipe {
	lockdep.AssertHeld(cur, &ino.IMutex)
	p, _ := ino.Pipe.(*pipe)
	if p == nil {
		p = &pipe{}
		ino.Pipe = p
	}
	return p
}

// fifoOpen counts a new reader and/or writer (fifo_open). The simulator
// never sleeps: where a blocking open would wait for the other end it
// fails with EAGAIN instead (see Open).
func fifoOpen(cur *lockdep.Task, ino *inode.Inode, flags int) error {
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	p := pipeLocked(cur, ino)
	nonblock := flags&uapi.O_NONBLOCK != 0
	switch flags & uapi.O_ACCMODE {
	case uapi.O_RDONLY:
		if !nonblock && p.writers == 0 {
			return syscall.EAGAIN
		}
		p.readers++
	case uapi.O_WRONLY:
		if p.readers == 0 {
			if nonblock {
				return syscall.ENXIO
			}
			return syscall.EAGAIN
		}
		p.writers++
	default:
		p.readers++
		p.writers++
	}
	return nil
}

// fifoRelease drops the reader and/or writer of a closing fifo file
// (pipe_release).
func fifoRelease(cur *lockdep.Task, ino *inode.Inode, flags int) {
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	p := pipeLocked(cur, ino)
	if flags&uapi.O_ACCMODE != uapi.O_WRONLY {
		p.readers--
	}
	if flags&uapi.O_ACCMODE != uapi.O_RDONLY {
		p.writers--
	}
	if p.readers == 0 && p.writers == 0 {
		p.buf = nil
	}
}

// fifoRead takes up to n buffered bytes (pipe_read): 0 bytes at end of file
// (no writers), EAGAIN where the kernel would sleep.
func fifoRead(cur *lockdep.Task, ino *inode.Inode, flags, n int) ([]byte, error) {
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	p := pipeLocked(cur, ino)
	if len(p.buf) == 0 {
		if p.writers == 0 || n == 0 {
			return nil, nil
		}
		return nil, syscall.EAGAIN
	}
	n = min(n, len(p.buf))
	out := append([]byte(nil), p.buf[:n]...)
	p.buf = p.buf[n:]
	return out, nil
}

// fifoWrite appends to the pipe buffer (pipe_write): EPIPE with no reader.
// The buffer is unbounded.
func fifoWrite(cur *lockdep.Task, ino *inode.Inode, data []byte) error {
	ino.IMutex.Lock(cur)
	defer ino.IMutex.Unlock(cur)
	p := pipeLocked(cur, ino)
	if p.readers == 0 {
		return syscall.EPIPE
	}
	p.buf = append(p.buf, data...)
	return nil
}
