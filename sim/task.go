package sim

import (
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/vfs"
)

// Lock classes of a task's shared state.
var (
	// FileLockClass is the class of a task's fd table lock.
	FileLockClass = lockdep.NewClass("files->file_lock")
	// FsLockClass is the class of the lock of a task's fs_struct (its
	// root and cwd), taken only once threads share it (CLONE_FS).
	FsLockClass = lockdep.NewClass("fs->lock")
)

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

// filesStruct is struct files_struct: the fd table the threads of a
// process share (clone with CLONE_FILES).
type filesStruct struct {
	// fileLock (files->file_lock) protects the following fields.
	fileLock lockdep.Mutex
	fds      map[int]*fdEntry
	users    int  // the threads sharing the table (files->count)
	dead     bool // the last user exited: the table is empty for good
}

// fsStruct is struct fs_struct as far as threads share it (CLONE_FS): the
// cwd a chdir of one thread gives all of them. Until a thread is cloned
// the cwd lives in the task's vfs.Context alone and fs->lock is never
// taken, so a single-threaded process locks and counts exactly as before
// threads existed.
type fsStruct struct {
	shared atomic.Bool // set once, by the first clone

	// lock (fs->lock) protects the following fields.
	lock  lockdep.Mutex
	pwd   vfs.Path // the shared cwd, with a reference of its own
	seq   uint64   // bumped by each chdir of a sharing thread
	users int      // the threads sharing it (fs->users)
}

// Task is one simulated thread (task_struct): its own lockdep state,
// credentials and vfs.Context, and the fd table and fs_struct it may share
// with the other threads of its process (Kernel.NewTask makes a process,
// Task.NewThread a thread of the same one). One goroutine at a time may use
// a Task; different tasks, threads of one process included, may run on
// different goroutines at once.
type Task struct {
	k     *Kernel
	pid   int // the thread's id (a process's first thread: its pid)
	tgid  int // the process's pid
	cur   *lockdep.Task
	ctx   *vfs.Context
	site  string // set by SetSite; "" means name sites after the syscall
	files *filesStruct
	fs    *fsStruct
	fsSeq uint64 // fs.seq when this thread last took the shared cwd
	gone  bool   // ExitTask ran
}

// Pid returns the task's pid (a thread's own id, gettid).
func (t *Task) Pid() int { return t.pid }

// Tgid returns the pid of the task's process (getpid): its own pid for a
// process, the pid of the task that started it for a thread.
func (t *Task) Tgid() int { return t.tgid }

// Cur returns the task's lockdep state, the kernel's `current`.
func (t *Task) Cur() *lockdep.Task { return t.cur }

// Ctx returns the task's VFS context (credentials, root, cwd).
func (t *Task) Ctx() *vfs.Context { return t.ctx }

// Kernel returns the kernel the task runs on.
func (t *Task) Kernel() *Kernel { return t.k }

// SetCred sets the task's credentials (setresgid, setgroups, setresuid).
// As in the kernel they are the calling thread's; a thread started later
// copies them.
func (t *Task) SetCred(uid, gid uint32, groups ...uint32) {
	t.ctx.Cred = vfs.Cred{Uid: uid, Gid: gid, Groups: append([]uint32(nil), groups...), ID: t.k.credIDs.Add(1)}
}

// SetSite names where the task is for lockdep reports (a scenario
// FILE:LINE); "" goes back to naming the system call.
func (t *Task) SetSite(where string) {
	t.site = where
	t.cur.SetSite(where)
}

// Enter begins a system call called name: the lockdep site becomes name
// unless the caller set one with SetSite. A thread whose cwd is shared
// picks up another thread's chdir here (path_init's get_fs_pwd).
func (t *Task) Enter(name string) {
	if t.site == "" {
		t.cur.SetSite(name)
	}
	if t.fs.shared.Load() {
		t.syncPwd()
	}
}

// Exit ends a system call: returning to user space with a lock held is
// reported (and the lock released). A call unwound because its scheduler
// run stopped in a deadlock is not checked. Then the work the call queued
// for a kernel thread runs (today's fsnotify reaper): the simulator's one
// deterministic point for it besides shutdown.
func (t *Task) Exit() {
	if s := t.k.sched; s != nil && s.Aborting() {
		return
	}
	t.cur.CheckNoneHeld()
	t.k.runKthreads(t.cur)
}

func (t *Task) enter(name string) { t.Enter(name) }
func (t *Task) exit()             { t.Exit() }

// syncPwd makes the thread's cwd the shared one if a chdir changed it
// (get_fs_pwd, as path_init takes it).
func (t *Task) syncPwd() {
	fs := t.fs
	fs.lock.Lock(t.cur)
	if t.fsSeq == fs.seq {
		fs.lock.Unlock(t.cur)
		return
	}
	old := t.ctx.Pwd
	t.ctx.Pwd = fs.pwd.Get()
	t.fsSeq = fs.seq
	fs.lock.Unlock(t.cur)
	old.Put(t.cur)
}

// publishPwd makes the thread's new cwd the shared one (set_fs_pwd).
func (t *Task) publishPwd() {
	fs := t.fs
	if !fs.shared.Load() {
		return
	}
	fs.lock.Lock(t.cur)
	old := fs.pwd
	fs.pwd = t.ctx.Pwd.Get()
	fs.seq++
	t.fsSeq = fs.seq
	fs.lock.Unlock(t.cur)
	old.Put(t.cur)
}

// NewThread starts a thread of t's process (clone with CLONE_VM|CLONE_FS|
// CLONE_FILES|CLONE_THREAD): it shares t's fd table and cwd, copies t's
// credentials, and has its own pid and its own lockdep state (its own
// stack of held locks), so it may run on a goroutine of its own.
func (t *Task) NewThread() *Task {
	k := t.k
	pid := int(k.pids.Add(1))
	nt := &Task{k: k, pid: pid, tgid: t.tgid, cur: k.validator.NewTask(fmt.Sprintf("task/%d", pid)),
		files: t.files, fs: t.fs}
	k.attach(nt.cur)
	t.files.fileLock.Lock(t.cur)
	t.files.users++
	t.files.fileLock.Unlock(t.cur)

	fs := t.fs
	if !fs.shared.Load() {
		// The first clone: the cwd moves into the shared fs_struct.
		fs.pwd = t.ctx.Pwd.Get()
		fs.users = 1
		fs.shared.Store(true)
	}
	fs.lock.Lock(t.cur)
	fs.users++
	nt.ctx = &vfs.Context{Cur: nt.cur, Cred: t.ctx.Cred, Root: t.ctx.Root.Get(), Pwd: fs.pwd.Get(), Did: uint64(pid)}
	nt.fsSeq = fs.seq
	fs.lock.Unlock(t.cur)
	nt.ctx.Cred.Groups = append([]uint32(nil), t.ctx.Cred.Groups...)
	k.list(nt)
	return nt
}

// InstallFile puts f in the lowest free fd from 3 (get_unused_fd_flags +
// fd_install); the fd takes over the caller's reference. EMFILE when all
// fds below 1024 are in use: the caller then still owns f.
func (t *Task) InstallFile(f *vfs.File, cloexec bool) (int, error) {
	fl := t.files
	fl.fileLock.Lock(t.cur)
	defer fl.fileLock.Unlock(t.cur)
	if fl.dead {
		return -1, syscall.EMFILE
	}
	for fd := firstFd; fd < maxFds; fd++ {
		if fl.fds[fd] == nil {
			fl.fds[fd] = &fdEntry{file: f, cloexec: cloexec}
			return fd, nil
		}
	}
	return -1, syscall.EMFILE
}

// Fget returns the file of fd with a reference taken (fget); the caller
// drops it with vfs.Fput. EBADF for a negative, unused or closed fd.
func (t *Task) Fget(fd int) (*vfs.File, error) {
	fl := t.files
	fl.fileLock.Lock(t.cur)
	defer fl.fileLock.Unlock(t.cur)
	e := fl.fds[fd]
	if e == nil {
		return nil, syscall.EBADF
	}
	return vfs.Fget(e.file), nil
}

// Fds returns the open fds, sorted.
func (t *Task) Fds() []int {
	fl := t.files
	fl.fileLock.Lock(t.cur)
	defer fl.fileLock.Unlock(t.cur)
	var out []int
	for fd := firstFd; fd < maxFds; fd++ {
		if fl.fds[fd] != nil {
			out = append(out, fd)
		}
	}
	return out
}

// closeFd removes fd from the table and puts its file outside file_lock
// (close_fd + filp_close).
func (t *Task) closeFd(fd int) error {
	fl := t.files
	fl.fileLock.Lock(t.cur)
	e := fl.fds[fd]
	delete(fl.fds, fd)
	fl.fileLock.Unlock(t.cur)
	if e == nil {
		return syscall.EBADF
	}
	vfs.Fput(t.cur, e.file)
	return nil
}

// CloseFd closes fd for a backend's library routine (hooks.Caller): the
// close of Close, inside the system call that makes it.
func (t *Task) CloseFd(fd int) error { return t.closeFd(fd) }

// Close closes fd (close).
func (t *Task) Close(fd int) error {
	t.enter("close")
	defer t.exit()
	return t.closeFd(fd)
}

// ExitTask tears the task down (do_exit): the last thread of a process to
// go closes every fd, lowest first (exit_files); each drops its cwd and
// root (exit_fs), the shared cwd with the last of them. Later calls do
// nothing; no other system call may be made on the task afterwards.
func (t *Task) ExitTask() {
	t.enter("exit")
	defer t.exit()
	fl := t.files
	fl.fileLock.Lock(t.cur)
	if t.gone {
		fl.fileLock.Unlock(t.cur)
		return
	}
	t.gone = true
	fl.users--
	last := fl.users == 0
	if last {
		fl.dead = true
	}
	fl.fileLock.Unlock(t.cur)
	if last {
		for _, fd := range t.Fds() {
			t.closeFd(fd)
		}
	}
	t.ctx.Release()
	if fs := t.fs; fs.shared.Load() {
		fs.lock.Lock(t.cur)
		fs.users--
		var pwd vfs.Path
		if fs.users == 0 {
			pwd, fs.pwd = fs.pwd, vfs.Path{}
		}
		fs.lock.Unlock(t.cur)
		pwd.Put(t.cur)
	}
	t.k.unlist(t)
}
