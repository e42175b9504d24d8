package uapi

// poll(2) and epoll(7) event bits (include/uapi/asm-generic/poll.h,
// include/uapi/linux/eventpoll.h): the same numbers serve both, as in the
// kernel's __poll_t.
const (
	POLLIN     = 0x1
	POLLPRI    = 0x2
	POLLOUT    = 0x4
	POLLERR    = 0x8
	POLLHUP    = 0x10
	POLLNVAL   = 0x20
	POLLRDNORM = 0x40
	POLLRDBAND = 0x80
	POLLWRNORM = 0x100
	POLLWRBAND = 0x200
	POLLRDHUP  = 0x2000

	EPOLLEXCLUSIVE = 1 << 28
	EPOLLWAKEUP    = 1 << 29
	EPOLLONESHOT   = 1 << 30
	EPOLLET        = 1 << 31

	// DEFAULT_POLLMASK is what a file without f_op->poll reports.
	DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
)

// epoll_ctl operations and epoll_create1's flag.
const (
	EPOLL_CTL_ADD = 1
	EPOLL_CTL_DEL = 2
	EPOLL_CTL_MOD = 3
	EPOLL_CLOEXEC = O_CLOEXEC
)

// eventfd2 flags (include/linux/eventfd.h).
const (
	EFD_SEMAPHORE = 0x1
	EFD_NONBLOCK  = O_NONBLOCK
	EFD_CLOEXEC   = O_CLOEXEC
)

// fcntl commands and the fd flag (include/uapi/asm-generic/fcntl.h).
const (
	F_GETFD    = 1
	F_SETFD    = 2
	F_GETFL    = 3
	F_SETFL    = 4
	FD_CLOEXEC = 1
	O_DIRECT   = 0x4000
	O_NOATIME  = 0x40000
	O_ASYNC    = 0x2000
	// O_LARGEFILE is what a 64-bit kernel adds to every open's flags
	// (force_o_largefile), so F_GETFL shows it.
	O_LARGEFILE = 0x8000
)

// AT_FDCWD is the dirfd meaning "the current directory"; AT_SYMLINK_NOFOLLOW
// and AT_REMOVEDIR are the *at calls' flags.
const (
	AT_FDCWD            = -100
	AT_SYMLINK_NOFOLLOW = 0x100
	AT_REMOVEDIR        = 0x200
)

// Pipe sizes (include/linux/pipe_fs_i.h, include/uapi/linux/limits.h): a
// pipe holds 16 pages, and writes of at most PIPE_BUF bytes are atomic.
const (
	PIPE_BUF      = 4096
	PIPE_DEF_SIZE = 16 * 4096
)

// Directory entry types (d_type of struct linux_dirent64).
const (
	DT_UNKNOWN = 0
	DT_FIFO    = 1
	DT_DIR     = 4
	DT_REG     = 8
	DT_LNK     = 10
)
