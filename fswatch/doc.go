// Package fswatch is github.com/fsnotify/fsnotify's Watcher, with its
// method set and the meaning of its events, over unixsim.Sys: the same
// watcher runs on the simulator (unixsim.Sim) and on the host's kernel
// (unixsim.Host). It consumes inotify as fsnotify's Linux backend does
// (one inotify instance, a watch per added path with the same mask, wd →
// path bookkeeping, IN_MOVE_SELF and IN_DELETE_SELF dropping a watch,
// MOVED_FROM/MOVED_TO pairing by cookie, IN_Q_OVERFLOW as
// ErrEventOverflow); the code is this package's own.
//
// Where fsnotify's reader waits in a blocking read that os.File's Close
// interrupts, this one waits in EpollWait on the inotify fd and an eventfd:
// Close writes the eventfd, the reader wakes, closes its fds and closes the
// Events and Errors channels. That is the shutdown pattern a program using
// raw fds needs on Linux, where closing an fd does not wake a read
// sleeping on it.
//
// Differences from fsnotify's API: NewWatcher and NewBufferedWatcher take
// the unixsim.Sys to run on; the options fsnotify keeps unexported for its
// tests are exported here (WithOps, WithNoFollow, and the Unportable* ops);
// recursive watches ("dir/...") are not supported (ErrRecursion).
package fswatch
