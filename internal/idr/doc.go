// Package idr models lib/idr.c, the kernel's id allocator, as the inotify
// seeds use it to hand out watch descriptors: idr_find, idr_remove, and
// idr_get_new_above split into LowestFree (the search) and Insert (the
// store). Seed 000 calls idr_get_new (LowestFree from 0); seed 001
// idr_get_new_above(last_wd+1); today's kernel idr_alloc_cyclic (its
// caller wraps to the lowest free id at or above 1).
//
// Locks: none; an IDR is protected by its owner's lock (dev->sem in seed
// 000, ih->mutex in seed 001).
package idr
