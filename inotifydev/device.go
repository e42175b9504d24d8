package inotifydev

// Seed 000's "Device Interface" (lines 653-1038): the file operations of an
// instance, inotify_ignore, the three system calls and the sysctls.

import (
	"context"
	"fmt"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Poll is inotify_poll (lines 655-667): readable iff an event is queued.
func (dev *inotifyDevice) Poll(cur *lockdep.Task, f *vfs.File) bool {
	dev.sem.Lock(cur)
	defer dev.sem.Unlock(cur)
	return dev.head != nil
}

// Read is inotify_read (lines 669-744): wait for an event (EAGAIN with
// O_NONBLOCK; ctx's cancellation is a signal, EINTR), then copy out whole
// events while the next fits in n bytes. When the first does not fit, the
// read returns 0 bytes and the event stays queued.
func (dev *inotifyDevice) Read(ctx context.Context, cur *lockdep.Task, f *vfs.File, n int) ([]byte, error) {
	for {
		// prepare_to_wait: the wake-up channel is taken under dev->sem
		// with the test, so a wake-up after it is not lost.
		dev.sem.Lock(cur)
		if dev.head != nil {
			dev.sem.Unlock(cur)
			break
		}
		if f.Flags&uapi.O_NONBLOCK != 0 {
			dev.sem.Unlock(cur)
			return nil, syscall.EAGAIN
		}
		w := dev.wq.Prepare(cur)
		dev.sem.Unlock(cur)
		w.Sleep(ctx, cur) // schedule()
		dev.sem.Lock(cur)
		dev.wq.Finish(cur, w)
		dev.sem.Unlock(cur)
		if ctx.Err() != nil {
			return nil, syscall.EINTR
		}
	}

	dev.sem.Lock(cur)
	defer dev.sem.Unlock(cur)
	var buf []byte
	for dev.head != nil {
		kev := dev.getEventLocked(cur)
		if kev.size() > n-len(buf) {
			break
		}
		buf = uapi.Event{Wd: kev.wd, Mask: kev.mask, Cookie: kev.cookie, Name: kev.name}.AppendEncode(buf)
		dev.removeKeventLocked(cur, kev)
	}
	return buf, nil
}

// Release is inotify_release (lines 746-790): every watch goes without an
// event, each by the dance the lock order forces (the inode is known only
// from the watch, but its inotify_sem comes before dev->sem), then every
// queued event is freed and the file's device reference is put. Unlike
// seed 001's inotify_destroy it does not check that the watch is still
// there after retaking the locks.
func (dev *inotifyDevice) Release(cur *lockdep.Task, f *vfs.File) {
	for {
		dev.sem.Lock(cur)
		w := dev.watches
		if w == nil {
			dev.sem.Unlock(cur)
			break
		}
		getInotifyWatch(w)
		dev.sem.Unlock(cur)

		s := stateOf(w.inode)
		s.sem.Lock(cur)
		dev.sem.Lock(cur)
		removeWatchNoEventLocked(cur, w, dev)
		dev.sem.Unlock(cur)
		s.sem.Unlock(cur)
		putInotifyWatch(cur, w)
	}

	dev.sem.Lock(cur)
	for dev.head != nil {
		dev.eventDequeueLocked(cur)
	}
	dev.sem.Unlock(cur)

	putInotifyDev(dev) // the put matching the get in sys_inotify_init
}

// inotifyIgnore is inotify_ignore (lines 792-826), the body of
// inotify_rm_watch: EINVAL for a wd the device does not have; otherwise a
// temporary reference keeps the watch while dev->sem is dropped to take the
// inode's inotify_sem first, and the wd is looked up again ("make sure
// that we did not race") and removed with IN_IGNORED.
//
// The seed then puts the watch its second lookup returned (line 823), not
// the one it took the reference on (line 809). They are the same unless
// another task removed the watch in the gap: then a NULL one oopses (the
// simulator reports it and puts the reference the seed leaks), and a new
// watch that took the wd is removed under another inode's sem (lockdep
// reports it) and put once too often.
func (dev *inotifyDevice) inotifyIgnore(cur *lockdep.Task, wd int32) error {
	dev.sem.Lock(cur)
	w := dev.idrFindLocked(cur, wd)
	if w == nil {
		dev.sem.Unlock(cur)
		return syscall.EINVAL
	}
	getInotifyWatch(w)
	ino := w.inode
	dev.sem.Unlock(cur)

	s := stateOf(ino)
	s.sem.Lock(cur)
	dev.sem.Lock(cur)
	again := dev.idrFindLocked(cur, wd) // make sure that we did not race
	if again != nil {
		removeWatchLocked(cur, again, dev)
	}
	dev.sem.Unlock(cur)
	s.sem.Unlock(cur)
	if again == nil {
		oops := &hooks.Oops{Bug: "unable to handle kernel NULL pointer dereference at &watch->count (watch = idr_find() = NULL)",
			Code: "0002", Func: "inotify_ignore (from sys_inotify_rm_watch)", Task: cur.Name(), Site: cur.Site(), Held: cur.Held(),
			Unwound: "on 2.6.13 the task dies here and the temporary watch reference leaks; the simulator put it and failed the call"}
		putInotifyWatch(cur, w)
		return oops
	}
	putInotifyWatch(cur, again)
	return nil
}

// Ioctl is inotify_ioctl (lines 828-845): FIONREAD puts queue_size, read
// without dev->sem as the seed does; every other request is ENOTTY.
func (dev *inotifyDevice) Ioctl(cur *lockdep.Task, f *vfs.File, req uint, arg int64) (int, error) {
	if req == uapi.FIONREAD {
		return int(dev.queueSize.Load()), nil
	}
	return -1, syscall.ENOTTY
}

// InotifyInit1 is sys_inotify_init (lines 855-918): EMFILE when the user
// has max_user_devices instances already (or, as the seed checks first,
// when no fd is free). The seed has no inotify_init1: the simulator
// answers it with ENOSYS before it gets here, so flags is 0 (anything else
// is EINVAL).
func (in *Inotify) InotifyInit1(c hooks.Caller, flags int) (int, error) {
	if flags != 0 {
		return -1, syscall.EINVAL
	}
	cur := c.Cur()
	user := in.user(c.Ctx().Cred.Uid)
	if user.inotifyDevs.Load() >= in.MaxUserInstances.Load() {
		return -1, syscall.EMFILE
	}
	dev := &inotifyDevice{in: in, id: in.devIDs.Add(1), user: user}
	dev.wq.Init("dev->wq", &dev.sem)
	dev.sem.Init(DevSemClass, dev.id)
	dev.maxEvents = int(in.MaxQueuedEvents.Load())
	// atomic_set(&dev->count, 0) then get_inotify_dev: one Init at 1.
	dev.count.Init(in.refs, "inotify_device", dev.id, 1)
	user.inotifyDevs.Add(1)
	f := c.VFS().NewAnonFile(cur, dev, uapi.O_RDONLY) // filp->private_data = dev
	fd, err := c.InstallFile(f, false)
	if err != nil {
		vfs.Fput(cur, f) // the release puts the device
		return -1, err
	}
	return fd, nil
}

// findInode is find_inode (lines 361-376): the path, followed, and read
// permission on its inode ("you can only watch an inode if you have read
// permissions on it"). The caller puts the path.
func findInode(c hooks.Caller, path string) (vfs.Path, error) {
	v := c.VFS()
	p, err := v.Walk(c.Ctx(), path, vfs.LOOKUP_FOLLOW)
	if err != nil {
		return vfs.Path{}, err
	}
	if err := v.Permission(c.Ctx(), p.Dentry.Inode(c.Cur()), vfs.MAY_READ); err != nil {
		p.Put(c.Cur())
		return vfs.Path{}, err
	}
	return p, nil
}

// privateData returns what sys_inotify_add_watch and sys_inotify_rm_watch
// take for their device, filp->private_data: the device of an inotify
// file, else nil with an oops saying what the seed dereferences instead
// (NULL for a tmpfs file or a FIFO; dcache_dir_open's cursor dentry for a
// directory). fn is the kernel function that uses it.
func privateData(cur *lockdep.Task, f *vfs.File, fd int, fn string) (*inotifyDevice, *hooks.Oops) {
	if dev, ok := f.Ops.(*inotifyDevice); ok {
		return dev, nil
	}
	kind := "a file"
	if f.Path.Dentry != nil {
		if ino := f.Path.Dentry.Inode(cur); ino != nil {
			switch ino.Type() {
			case inode.S_IFREG:
				kind = "a regular file"
			case inode.S_IFIFO:
				kind = "a FIFO"
			case inode.S_IFDIR:
				kind = "a directory"
			}
		}
	}
	o := &hooks.Oops{Func: fn, Task: cur.Name(), Site: cur.Site()}
	if kind == "a directory" {
		o.Bug = fmt.Sprintf("%s uses filp->private_data of fd %d, a directory, as its struct inotify_device: "+
			"it is dcache_dir_open's cursor dentry (the memory corruption that follows is not modelled)", fn, fd)
	} else {
		o.Bug = fmt.Sprintf("unable to handle kernel NULL pointer dereference at &dev->sem "+
			"(dev = filp->private_data of fd %d, %s: NULL)", fd, kind)
		o.Code = "0002"
	}
	return nil, o
}

// InotifyAddWatch is sys_inotify_add_watch (lines 920-980). In the seed's
// order: fget (EBADF); private_data as the device, unchecked; find_inode
// (the lookup's errno, or EACCES); the inode's inotify_sem, then dev->sem
// (an oops if fd is no inotify instance); mask &= IN_ALL_EVENTS, EINVAL if
// nothing is left (so IN_ONESHOT and IN_MASK_ADD are dropped, and
// IN_DONT_FOLLOW and IN_ONLYDIR mean nothing); an existing watch of the
// device on the inode gets the mask, replacing the old one, and its wd is
// returned; else create_watch. The path is released under both locks, as
// in the seed.
func (in *Inotify) InotifyAddWatch(c hooks.Caller, fd int, path string, mask uint32) (int, error) {
	cur := c.Cur()
	f, err := c.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(cur, f)
	dev, oops := privateData(cur, f, fd, "sys_inotify_add_watch")

	nd, err := findInode(c, path)
	if err != nil {
		return -1, err
	}
	ino := nd.Dentry.Inode(cur) // held in place by the reference in nd
	s := inotifySemOf(ino)
	s.sem.Lock(cur)
	if oops != nil { // down(&dev->sem) on what private_data holds
		oops.Held = cur.Held()
		oops.Unwound = "on 2.6.13 the task dies here holding these locks, and its path and file " +
			"references leak; the simulator released them and failed the call"
		s.sem.Unlock(cur)
		nd.Put(cur)
		return -1, oops
	}
	dev.sem.Lock(cur)

	ret, err := in.addWatchLocked(cur, s, dev, ino, uapi.Mask(mask))
	nd.Put(cur) // path_release(&nd)
	dev.sem.Unlock(cur)
	s.sem.Unlock(cur)
	return ret, err
}

// addWatchLocked is the part of sys_inotify_add_watch under the locks
// (lines 945-972). Precondition: the inode's inotify_sem and dev->sem are
// held.
func (in *Inotify) addWatchLocked(cur *lockdep.Task, s *inodeInotify, dev *inotifyDevice, ino *inode.Inode, mask uapi.Mask) (int, error) {
	lockdep.AssertHeld(cur, &s.sem)
	lockdep.AssertHeld(cur, &dev.sem)
	mask &= uapi.IN_ALL_EVENTS // don't let user-space set invalid bits: we don't want flags set
	if mask == 0 {
		return -1, syscall.EINVAL
	}
	if old := inodeFindDevLocked(cur, s, dev); old != nil {
		old.mask = mask
		return int(old.wd), nil
	}
	w, err := dev.createWatchLocked(cur, mask, ino)
	if err != nil {
		return -1, err
	}
	addLocked(cur, s, dev, w)
	return int(w.wd), nil
}

// InotifyRmWatch is sys_inotify_rm_watch (lines 982-995): fget (EBADF),
// then inotify_ignore on private_data, unchecked: an oops if fd is no
// inotify instance, whatever the wd. The wd is a u32 passed on as an s32.
func (in *Inotify) InotifyRmWatch(c hooks.Caller, fd int, wd int) error {
	cur := c.Cur()
	f, err := c.Fget(fd)
	if err != nil {
		return err
	}
	defer vfs.Fput(cur, f)
	dev, oops := privateData(cur, f, fd, "inotify_ignore (from sys_inotify_rm_watch)")
	if oops != nil { // inotify_ignore's down(&dev->sem), line 803
		oops.Held = cur.Held()
		oops.Unwound = "on 2.6.13 the task dies here and its file reference leaks; the simulator put it and failed the call"
		return oops
	}
	return dev.inotifyIgnore(cur, int32(wd))
}
