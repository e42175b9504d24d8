// Package dentry models struct dentry and the dcache operations the VFS and
// inotify need: d_alloc, d_instantiate, d_lookup, dget/dput, d_delete and
// d_move, with the inotify child-watch flag of seed 001
// (DCACHE_INOTIFY_PARENT_WATCHED, maintained by inotify_d_instantiate and
// inotify_d_move).
//
// Lock order (2.6.18's fs/dcache.c):
//
//	rename_lock             (d_move; a seqlock in the kernel)
//	  dcache_lock           (the tree: d_subdirs, d_parent, i_dentry)
//	    dentry->d_lock      (d_flags, d_name; d_move nests two, parent first)
//
// All of them nest inside inode->i_mutex and inode->inotify_mutex.
//
// Lifetimes: a dentry's d_count counts its users: open files, task cwds,
// a path walk in progress, its children (each child holds its parent, the
// kernel's d_parent reference), and, for a linked tmpfs name, the pin taken
// at creation ("extra count - pin the dentry in core", shmem_mknod) and
// dropped by unlink/rmdir. When the count reaches zero an unhashed dentry is
// killed: if it still has an inode, that inode's last-link check runs
// (fsnotify_inoderemove when i_nlink is 0) and the dentry's inode reference
// is dropped with iput; then the parent reference is dropped.
package dentry
