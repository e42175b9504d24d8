// Package lockdep is a small model of Linux's lock validator
// (kernel/locking/lockdep.c): every lock in inosim is a Mutex with a Class,
// and every acquisition is checked against the order seen so far.
//
// As in the kernel, lockdep tracks classes, not instances. The first time a
// task holding class A takes class B, the edge A→B is recorded with the site
// that made it. An acquisition that would close a cycle of any length in that
// graph is reported ("possible circular locking dependency detected") even if
// no deadlock happened; so are taking a lock of a class already held without
// a subclass annotation ("possible recursive locking detected"), releasing a
// lock not held ("bad unlock balance detected") and returning from a system
// call with locks held.
//
// A Task is lockdep's view of the kernel's `current`: its stack of held
// locks. Locking functions take the task explicitly (Go has no `current`).
// A Validator owns one dependency graph and its reports; each simulated
// kernel has its own, so tests do not see each other's edges.
//
// Each problem is reported once per validator: a circular dependency once
// per (held, new) pair of nodes, recursive locking once per node (a task
// relocking the very lock it holds is always reported, then panics instead
// of hanging), a bad unlock or failed AssertHeld once per lock class and Go
// function. Lock releases may be in any order.
//
// Cost: an acquisition whose dependencies are all known takes a read lock on
// the graph and records its Go caller as a program counter, with no map
// write and no allocation; function names are resolved only when a report,
// a new edge or a trace event needs them.
//
// Under the deterministic scheduler (package sched) a Task carries a Hook:
// every acquisition, after it is validated and before the task would
// block, and every release are switch points, and a contended lock blocks
// its task in the scheduler (Mutex.Owner says who holds it), never in the
// Go mutex. Without a hook the cost is one nil check. MightSleep marks an
// explicit preemption point.
//
// Reports are deterministic (class names, Go function names and scenario
// sites; no addresses, no stack dumps) so they can be golden files.
package lockdep
