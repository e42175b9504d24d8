// Package srcu models sleepable RCU (kernel/rcu/srcutree.c) as far as
// today's fsnotify uses it: a read-side section (srcu_read_lock,
// srcu_read_unlock) that may sleep, and synchronize_srcu, which returns
// only once every reader that entered before it has left. Objects a
// reader may have found without a reference are freed only after such a
// wait (the fsnotify marks and connectors).
//
// The read side is also a lockdep.Map taken for reading, so the validator
// sees it as a lock class: a synchronize_srcu inside a section of the same
// srcu_struct, or one made while holding a lock that some reader takes
// inside its section, is reported like any deadlock; sections nest.
//
// Nothing here depends on timing: a synchronize that finds no reader
// returns at once, and one that finds readers waits on a channel that the
// last of them closes.
//
// Lock order: an srcu_struct is a lockdep map, not a lock; its position in
// the order is that of its users (package fsnotify).
package srcu
