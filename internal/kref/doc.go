// Package kref is the checked reference count used by every refcounted
// object in inosim: inodes (i_count), dentries (d_count), inotify watches,
// handles and devices.
//
// It models the kernel's atomic_t counts with the checks of refcount_t and
// of the kernel's object debugging: a get after the count reached zero (a
// use after free), a put below zero, and an object still referenced when
// the simulated kernel is torn down are reported with the object's identity
// and, when tracing is on, every get and put with the function that did it.
//
// Under the deterministic scheduler (package sched) the Tracker carries a
// Hook, and every get and put is a switch point; without one the cost is
// one nil check.
package kref
