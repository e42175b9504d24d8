// Package unixsim is a test double for the system calls an inotify
// consumer makes: Sys is an interface whose methods have the names and
// signatures of golang.org/x/sys/unix's functions (InotifyInit1, Read,
// EpollWait, Stat, Getdents, ...), so code written against it runs
// unchanged on the host kernel (Host, which calls x/sys/unix) and on the
// simulator (Sim, over one sim.Task). Errors are syscall.Errno values
// (unix.Errno is the same type) in both.
//
// A consumer takes a Sys where it called unix.X:
//
//	type Watcher struct{ sys unixsim.Sys; fd int }
//
//	func New(sys unixsim.Sys) (*Watcher, error) {
//		fd, err := sys.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
//		...
//	}
//
// and its test gives it unixsim.New(task) for a simulated kernel, or
// unixsim.Host{} for the real one.
//
// # Goroutines
//
// A sim.Task is one simulated thread: one goroutine at a time may use it.
// The way to share an fd table between goroutines is threads: Sim.Thread
// (sim.Task.NewThread) gives each goroutine a thread of the same process,
// so a reader blocked in Read or EpollWait, a goroutine adding watches and
// a goroutine closing run as a process's threads do. A Sim shared as it is
// also works: it serialises its calls with a mutex, and a call that sleeps
// gives the mutex up while it sleeps (the sleep hooks of package
// internal/wait) and takes it again when it wakes.
//
// As on Linux, closing an fd on one goroutine does not wake a read that
// sleeps on it on another (the read holds its file). To stop a reader,
// wait in EpollWait on both the inotify fd and an eventfd (or a pipe) and
// write to the eventfd: that wakes it, and the reader then closes its
// fds. WithContext gives the simulated counterpart of a signal as well: a
// sleeping call returns EINTR when its context ends.
//
// # Time
//
// Timeouts (EpollWait's msec, Poll's timeout) are Go timers: inside a
// testing/synctest bubble they run on the bubble's fake clock, so a test
// never waits for real. Create the kernel inside the bubble.
//
// # What differs from the host
//
// Paths are the simulated machine's own. Stat_t's times are the
// simulator's logical clock (seconds = ticks). Renameat2 with two
// different directory fds and relative names gives ENOTSUP. Fifos made
// with Mkfifo cannot be waited for with epoll or poll (EPERM, or always
// ready); anonymous pipes (Pipe2) can. An epoll fd cannot be added to
// another (EPERM).
package unixsim
