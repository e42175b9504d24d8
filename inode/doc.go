// Package inode models struct inode and struct super_block's inode list
// (fs/inode.c of Linux 2.6.18, as the seeds expect it).
//
// Lock order of what this package owns:
//
//	iprune_mutex                 (keeps inode pruning away from unmount)
//	  inode_lock                 (sb->s_inodes, i_state)
//	inode->i_mutex               (attributes, contents; directories: namespace)
//	  inode_lock                 (new_inode, igrab and iput under it)
//
// A notification backend's per-inode locks (the seeds' inode->inotify_mutex)
// belong to the backend (see NotifyState) and nest inside i_mutex, with
// inode_lock inside them.
//
// Lifetimes: an inode is created with i_count 1 (the creator's reference;
// for a linked file it passes to the dentry that names it). igrab and
// __iget take more; iput drops one. At the final iput an inode with no
// links, or on a super block that is shutting down, is evicted: its state
// goes I_FREEING then I_CLEAR, the super block's evict hook runs (the
// notifier's "inode is dead"), and it leaves sb->s_inodes. A linked inode
// whose count reaches zero stays cached until unmount. An inotify watch pins
// its inode with igrab from inotify_add_watch to the watch's final put.
package inode
