package sim

import (
	"syscall"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/vfs"
)

// FileLockClass is the class of a task's fd table lock.
var FileLockClass = lockdep.NewClass("files->file_lock")

// File descriptor limits: fds 0-2 are taken as if by stdio; RLIMIT_NOFILE
// is 1024.
const (
	firstFd = 3
	maxFds  = 1024
)

// fdEntry is one slot of the fd table.
type fdEntry struct {
	file    *vfs.File
	cloexec bool
}

// Task is one simulated process (task_struct with its fs_struct and
// files_struct). One goroutine at a time may use a Task.
type Task struct {
	k    *Kernel
	pid  int
	cur  *lockdep.Task
	ctx  *vfs.Context
	site string // set by SetSite; "" means name sites after the syscall
	dead bool

	// fileLock (files->file_lock) protects the following fields.
	fileLock lockdep.Mutex
	fds      map[int]*fdEntry
}

// Pid returns the task's pid.
func (t *Task) Pid() int { return t.pid }

// Cur returns the task's lockdep state, the kernel's `current`.
func (t *Task) Cur() *lockdep.Task { return t.cur }

// Ctx returns the task's VFS context (credentials, root, cwd).
func (t *Task) Ctx() *vfs.Context { return t.ctx }

// Kernel returns the kernel the task runs on.
func (t *Task) Kernel() *Kernel { return t.k }

// SetCred sets the task's credentials (setresgid, setgroups, setresuid).
func (t *Task) SetCred(uid, gid uint32, groups ...uint32) {
	t.ctx.Cred = vfs.Cred{Uid: uid, Gid: gid, Groups: append([]uint32(nil), groups...)}
}

// SetSite names where the task is for lockdep reports (a scenario
// FILE:LINE); "" goes back to naming the system call.
func (t *Task) SetSite(where string) {
	t.site = where
	t.cur.SetSite(where)
}

// Enter begins a system call called name: the lockdep site becomes name
// unless the caller set one with SetSite.
func (t *Task) Enter(name string) {
	if t.site == "" {
		t.cur.SetSite(name)
	}
}

// Exit ends a system call: returning to user space with a lock held is
// reported (and the lock released). Then the work the call queued for a
// kernel thread runs (today's fsnotify reaper): the simulator's one
// deterministic point for it besides shutdown.
func (t *Task) Exit() {
	t.cur.CheckNoneHeld()
	t.k.runKthreads()
}

func (t *Task) enter(name string) { t.Enter(name) }
func (t *Task) exit()             { t.Exit() }

// InstallFile puts f in the lowest free fd from 3 (get_unused_fd_flags +
// fd_install); the fd takes over the caller's reference. EMFILE when all
// fds below 1024 are in use: the caller then still owns f.
func (t *Task) InstallFile(f *vfs.File, cloexec bool) (int, error) {
	t.fileLock.Lock(t.cur)
	defer t.fileLock.Unlock(t.cur)
	if t.dead {
		return -1, syscall.EMFILE
	}
	for fd := firstFd; fd < maxFds; fd++ {
		if t.fds[fd] == nil {
			t.fds[fd] = &fdEntry{file: f, cloexec: cloexec}
			return fd, nil
		}
	}
	return -1, syscall.EMFILE
}

// Fget returns the file of fd with a reference taken (fget); the caller
// drops it with vfs.Fput. EBADF for a negative, unused or closed fd.
func (t *Task) Fget(fd int) (*vfs.File, error) {
	t.fileLock.Lock(t.cur)
	defer t.fileLock.Unlock(t.cur)
	e := t.fds[fd]
	if e == nil {
		return nil, syscall.EBADF
	}
	return vfs.Fget(e.file), nil
}

// Fds returns the open fds, sorted.
func (t *Task) Fds() []int {
	t.fileLock.Lock(t.cur)
	defer t.fileLock.Unlock(t.cur)
	var out []int
	for fd := firstFd; fd < maxFds; fd++ {
		if t.fds[fd] != nil {
			out = append(out, fd)
		}
	}
	return out
}

// closeFd removes fd from the table and puts its file outside file_lock
// (close_fd + filp_close).
func (t *Task) closeFd(fd int) error {
	t.fileLock.Lock(t.cur)
	e := t.fds[fd]
	delete(t.fds, fd)
	t.fileLock.Unlock(t.cur)
	if e == nil {
		return syscall.EBADF
	}
	vfs.Fput(t.cur, e.file)
	return nil
}

// Close closes fd (close).
func (t *Task) Close(fd int) error {
	t.enter("close")
	defer t.exit()
	return t.closeFd(fd)
}

// ExitTask tears the task down (do_exit): every fd is closed, lowest
// first, then the cwd and root are dropped. Later calls do nothing; no other
// system call may be made on the task afterwards.
func (t *Task) ExitTask() {
	t.enter("exit")
	defer t.exit()
	t.fileLock.Lock(t.cur)
	if t.dead {
		t.fileLock.Unlock(t.cur)
		return
	}
	t.dead = true
	t.fileLock.Unlock(t.cur)
	for _, fd := range t.Fds() {
		t.closeFd(fd)
	}
	t.ctx.Release()
	t.k.unlist(t)
}
