package vfs

import (
	"context"
	"syscall"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/wait"
	"github.com/inosim/inosim/uapi"
)

// PipeMutexClass is pipe->mutex.
var PipeMutexClass = lockdep.NewClass("pipe->mutex")

// anonPipe is an anonymous pipe's pipe_inode_info (fs/pipe.c), shared by
// its two files. The buffer holds PIPE_DEF_SIZE bytes: the kernel's 16
// pages, as if every write merged into the last page (a byte stream).
// A fifo made with mkfifo has its own, simpler pipe (fifo.go).
type anonPipe struct {
	id uint64

	// mutex (pipe->mutex) protects the following fields.
	mutex            lockdep.Mutex
	buf              []byte
	readers, writers int
	rdWait           wait.Queue // readers wait for data or the last writer's close
	wrWait           wait.Queue // writers wait for room or the last reader's close
}

// pipeEnd is one end's file operations (pipefifo_fops, told apart by
// f_mode as the kernel does).
type pipeEnd struct {
	p     *anonPipe
	write bool
}

var (
	_ FileOperations = (*pipeEnd)(nil)
	_ Reader         = (*pipeEnd)(nil)
	_ Writer         = (*pipeEnd)(nil)
	_ PollWaiter     = (*pipeEnd)(nil)
)

// NewPipe makes an anonymous pipe (do_pipe2 → create_pipe_files): its read
// and write ends, each with one reference. flags may hold O_NONBLOCK.
func (v *VFS) NewPipe(cur *lockdep.Task, flags int) (r, w *File) {
	p := &anonPipe{id: v.NewID(), readers: 1, writers: 1}
	p.mutex.Init(PipeMutexClass, p.id)
	p.rdWait.Init(&p.mutex)
	p.wrWait.Init(&p.mutex)
	nb := flags & uapi.O_NONBLOCK
	r = v.NewAnonFile(cur, &pipeEnd{p: p}, uapi.O_RDONLY|nb)
	w = v.NewAnonFile(cur, &pipeEnd{p: p, write: true}, uapi.O_WRONLY|nb)
	return r, w
}

// IsPipe reports whether f is an end of an anonymous pipe (fstat's S_IFIFO).
func IsPipe(f *File) bool { _, ok := f.Ops.(*pipeEnd); return ok }

// Release is pipe_release: the end's count drops and the other side wakes
// (readers see end of file, writers EPIPE).
func (e *pipeEnd) Release(cur *lockdep.Task, f *File) {
	p := e.p
	p.mutex.Lock(cur)
	defer p.mutex.Unlock(cur)
	if e.write {
		p.writers--
		p.rdWait.WakeLocked(cur)
	} else {
		p.readers--
		p.wrWait.WakeLocked(cur)
	}
	if p.readers == 0 && p.writers == 0 {
		p.buf = nil
	}
}

// Read is pipe_read: up to n buffered bytes, at least one; 0 bytes at end
// of file (no writer) or for n == 0; EAGAIN with O_NONBLOCK where it would
// sleep; EINTR when ctx is done while asleep. A read wakes the writers.
func (e *pipeEnd) Read(ctx context.Context, cur *lockdep.Task, f *File, n int) ([]byte, error) {
	p := e.p
	if n < 0 {
		return nil, syscall.EINVAL
	}
	for {
		p.mutex.Lock(cur)
		if len(p.buf) > 0 && n > 0 {
			k := min(n, len(p.buf))
			out := append([]byte(nil), p.buf[:k]...)
			p.buf = p.buf[k:]
			p.wrWait.WakeLocked(cur)
			p.mutex.Unlock(cur)
			return out, nil
		}
		if n == 0 || p.writers == 0 {
			p.mutex.Unlock(cur)
			return nil, nil
		}
		if f.Flags&uapi.O_NONBLOCK != 0 {
			p.mutex.Unlock(cur)
			return nil, syscall.EAGAIN
		}
		ch := p.rdWait.ChanLocked(cur)
		p.mutex.Unlock(cur)
		if wait.Schedule(ctx, cur, []<-chan struct{}{ch}, wait.Forever) == wait.Interrupted {
			return nil, syscall.EINTR
		}
	}
}

// Write is pipe_write: EPIPE with no reader; a write of at most PIPE_BUF
// bytes goes in whole or not at all, a longer one in pieces as room
// appears. With O_NONBLOCK a write that cannot go on returns what it wrote,
// or EAGAIN if nothing. Every write wakes the readers (as today's kernel
// does for the sake of edge-triggered epoll).
func (e *pipeEnd) Write(ctx context.Context, cur *lockdep.Task, f *File, data []byte) (int, error) {
	p := e.p
	done := 0
	for {
		p.mutex.Lock(cur)
		if p.readers == 0 {
			p.mutex.Unlock(cur)
			if done > 0 {
				return done, nil
			}
			return 0, syscall.EPIPE
		}
		room := uapi.PIPE_DEF_SIZE - len(p.buf)
		rest := data[done:]
		if len(rest) <= uapi.PIPE_BUF && room < len(rest) {
			room = 0 // atomic: all or nothing
		}
		k := min(room, len(rest))
		if k > 0 {
			p.buf = append(p.buf, rest[:k]...)
			done += k
			p.rdWait.WakeLocked(cur)
		}
		if done == len(data) {
			p.mutex.Unlock(cur)
			return done, nil
		}
		if f.Flags&uapi.O_NONBLOCK != 0 {
			p.mutex.Unlock(cur)
			if done > 0 {
				return done, nil
			}
			return 0, syscall.EAGAIN
		}
		ch := p.wrWait.ChanLocked(cur)
		p.mutex.Unlock(cur)
		if wait.Schedule(ctx, cur, []<-chan struct{}{ch}, wait.Forever) == wait.Interrupted {
			if done > 0 {
				return done, nil
			}
			return 0, syscall.EINTR
		}
	}
}

// PollWait is pipe_poll: the read end is readable with data (EPOLLIN) and
// hung up with no writer (EPOLLHUP); the write end is writable with a
// page of room (EPOLLOUT) and in error with no reader (EPOLLERR).
func (e *pipeEnd) PollWait(cur *lockdep.Task, f *File, events uint32) (uint32, <-chan struct{}, func(*lockdep.Task)) {
	p := e.p
	p.mutex.Lock(cur)
	defer p.mutex.Unlock(cur)
	var mask uint32
	if !e.write {
		if len(p.buf) > 0 {
			mask |= uapi.POLLIN | uapi.POLLRDNORM
		}
		if p.writers == 0 {
			mask |= uapi.POLLHUP
		}
		return mask, p.rdWait.ChanLocked(cur), nil
	}
	if uapi.PIPE_DEF_SIZE-len(p.buf) >= uapi.PIPE_BUF {
		mask |= uapi.POLLOUT | uapi.POLLWRNORM
	}
	if p.readers == 0 {
		mask |= uapi.POLLERR
	}
	return mask, p.wrWait.ChanLocked(cur), nil
}
