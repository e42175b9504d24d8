// Package sim is the simulated kernel: a Kernel owns the lock validator,
// the refcount tracker, the VFS and the inotify backend its personality
// picks (newBackend; each backend is a hooks.Backend in a package of its
// own); a Task is one simulated thread with credentials, a cwd and root
// (vfs.Context), its own lockdep state, and a file descriptor table and
// fs_struct it shares with the other threads of its process
// (Task.NewThread); its methods are the system calls. A Task is the
// hooks.Caller a backend's system calls see.
//
// Lock order of what this package owns:
//
//	tasklist_lock                   (the kernel's task list)
//	fs->lock                        (a process's shared cwd, once it has threads; nothing nests inside)
//	files->file_lock                (a process's fd table; nothing nests inside)
//	logbuf_lock                     (the kernel log's oops reports; nothing nests inside)
//
// None is held while calling into the VFS: a close removes the fd under
// file_lock and puts the file after dropping it (filp_close).
//
// Lifetimes: an fd holds one reference on its file from InstallFile to
// Close or ExitTask. A Task holds its cwd and root until ExitTask.
// Kernel.Shutdown exits every task, unmounts everything lazily and reports
// every lockdep and refcount problem found. A backend's *hooks.Oops (a bug
// of the seed it models) is logged by the system call that returns it and
// read with Kernel.Oopses; it is not a problem of the simulator.
//
// Time: nothing in the simulator runs on a clock of its own. Kernel.Tick
// lets simulated seconds pass, which a backend with periodic work
// (hooks.Ticker: seed 004's inotify_clean) does once per second, as a
// kernel thread, between system calls. Under personality illumos a task's
// vfs.Context carries its thread id (t_did, the pid) and each change of
// its credentials a new cred_t identity (vfs.Cred.ID).
//
// Every system call method begins with Enter (which names the call site for
// lockdep unless the caller set one with SetSite) and ends with Exit (which
// checks that no lock is held on return to user space). Each Task must be
// used by one goroutine at a time; different tasks, threads of one process
// included, may run concurrently: freely, or, with WithScheduler, one at a
// time as the deterministic scheduler (package internal/sched) decides,
// through Kernel.Concurrently.
// unixsim.Sim also lets several goroutines share one Task by serialising
// its calls; a call that sleeps gives way meanwhile.
package sim
