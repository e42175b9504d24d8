// Package uapi is the user-space ABI inosim speaks, each value written
// once, by the header it comes from:
//
//   - inotify.go, event.go: <linux/inotify.h>, the IN_* bits and their
//     names, INOTIFY_IOC_SETNEXTWD, struct inotify_event and its bytes;
//   - illumos.go: illumos's <sys/inotify.h> where it differs (seed 004):
//     IN_CHILD_EVENTS, the INOTIFYIOC_* ioctls and their structures, and
//     the 8-byte name padding of the seed's events;
//   - fcntl.go: the O_* open flags;
//   - fs.go: the RENAME_* and MNT_* flags and FIONREAD;
//   - poll.go: the poll/epoll bits, epoll_ctl's operations, eventfd's
//     and fcntl's flags, AT_*, d_type and the pipe sizes;
//   - errno.go: the errno names;
//   - personality.go: the names of the kernels a scenario may ask for.
//
// It is the bottom of inosim that consumers import: a program that reads
// events from the simulator (or from the real kernel) decodes them with
// Decode, and prints masks with Mask.String. It imports nothing of inosim.
package uapi
