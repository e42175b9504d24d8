// Package vfs models the parts of Linux's VFS that inotify sits on: super
// blocks and mounts (fs/super.c, fs/namespace.c), the path walk and the
// namespace operations (fs/namei.c), open files (fs/open.c, fs/file_table.c,
// fs/read_write.c, fs/readdir.c), notify_change (fs/attr.c) and tmpfs
// (mm/shmem.c, fs/libfs.c) as the only file system. It calls the fsnotify
// hooks of include/linux/fsnotify.h through Notifier, in today's kernel
// order (docs/semantics.md, section 2).
//
// Lock order (outermost first):
//
//	namespace_sem                   (the mount tree: mount, umount)
//	  sb->s_vfs_rename_mutex        (cross-directory renames of one sb)
//	    inode->i_mutex              (subclasses nest PARENT, PARENT2, CHILD, NORMAL, NONDIR2)
//	      femh_lock                 (FEM: a reference on a vnode's monitors, illumos's vnode layer)
//	      [the Notifier's locks]
//	        dcache_lock             (package dentry)
//	          dentry->d_lock
//	      inode_lock                (new_inode, igrab, iput: package inode)
//	  iprune_mutex                  (generic_shutdown_super, at umount)
//	    inode_lock
//	    [the Notifier's locks: IN_UNMOUNT for each watched inode]
//	      dcache_lock
//	  mount_lock                    (innermost: the mount hash, mount parents)
//	femh_lock                       (a vnode's monitors: fem_install, fem_uninstall, vhead_*)
//	  [the monitors' locks]         (what a backend's FEM hold and release functions take)
//	file->f_pos_lock                (File.PosLock: read, write, lseek, getdents)
//	  inode->i_mutex
//	    dcache_lock                 (getdents lists the children)
//	pipe->mutex                     (an anonymous pipe, pipe.go; nothing nests inside)
//	ctx->wqh.lock                   (an eventfd, eventfd.go; nothing nests inside)
//
// Under personality illumos (P.VnodeLayer) the system calls make illumos's
// vnode operations through FEM instead of calling the Notifier (fem.go,
// vnodeops.go): a monitor runs with no FEM lock held, inside whatever
// i_mutex the operation holds, and femh_lock is taken only to get or
// change a vnode's list of monitors.
//
// The path walk takes i_mutex only where the kernel's takes i_rwsem: not on
// a dcache hit (lookup_fast; i_mode, i_uid and i_gid are read without a
// lock, as generic_permission does), and on a miss (lookup_slow) with no
// other lock held. No Notifier method is called with dcache_lock, d_lock,
// mount_lock, inode_lock or f_pos_lock held; some are called with i_mutex
// held, as in the kernel (create, mkdir, link, unlink, rename).
//
// Lifetimes:
//
//   - A Mount's mnt_count has one reference for the mount tree while the
//     mount is attached and one for every Path that names it (task roots and
//     cwds, open files, walks in progress, child mounts' mountpoints). When
//     the count of a detached mount reaches zero its super block is shut
//     down (generic_shutdown_super): this is how `umount -l` waits for the
//     last close.
//   - A tmpfs name pins its dentry (the "extra count" of shmem_mknod) from
//     creation to unlink, rmdir, rename-over or shutdown; package dentry
//     describes what happens when the last reference goes.
//   - A File's f_count: one per fd and one per Fget; at the last Fput the
//     close hook runs, then Ops.Release, then the path is put.
package vfs
