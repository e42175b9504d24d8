package uapi

// ioctl requests understood on an inotify fd (asm-generic/ioctls.h and
// linux/inotify.h).
const (
	FIONREAD              = 0x541B
	INOTIFY_IOC_SETNEXTWD = 0x40044900
)
