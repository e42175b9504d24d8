package uapi

// renameat2 flags (include/uapi/linux/fs.h).
const (
	RENAME_NOREPLACE = 0x1
	RENAME_EXCHANGE  = 0x2
)

// umount2 flags (include/linux/fs.h; <sys/mount.h> in user space).
const (
	MNT_FORCE       = 0x1
	MNT_DETACH      = 0x2
	UMOUNT_NOFOLLOW = 0x8
)

// FIONREAD is the ioctl that returns how many bytes a read would return
// now (include/uapi/asm-generic/ioctls.h; TIOCINQ is the same number).
const FIONREAD = 0x541B
