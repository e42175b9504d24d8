// Package idr models lib/idr.c, the integer id allocator inotify keeps its
// watch descriptors in: idr_find, idr_remove, the seeds'
// idr_get_new_above (LowestFree then Insert) and today's idr_alloc_cyclic
// and idr_set_cursor. It takes no lock: the caller's lock protects an IDR
// (ih->mutex in seed 001, group->inotify_data.idr_lock today).
package idr
