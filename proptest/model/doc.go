// Package model is a small reference model of the observable semantics of
// today's Linux inotify (docs/semantics.md, personality "linux") over a
// path-based file tree.
//
// It is written to be obviously correct rather than fast or faithful to the
// kernel's structure: there are no inodes, dentries, locks or idr here, and
// it shares no code with the simulator (vfs/, handle/, watch/, kevent/):
// it imports only scenario and uapi, which cmd/inosim's TestLayering holds.
// A File is a file object with a link count, a pin count (open fds and the
// current directory) and a set of watches; directories hold names; a
// mount is a file system hung on a directory. Each rule lives in one place
// and its comment names the behaviour it encodes (the # numbers are the
// probe cases of docs/semantics.md).
//
// Model implements scenario.Machine, so scenario.Run drives it exactly as it
// drives the simulator and the host kernel. It is exact for the commands
// proptest's generator produces (see proptest/gen.go); outside that scope
// (per-user limits, permission corner cases such as setgid directories,
// symlink protections, fifo I/O) it makes no promise.
package model
