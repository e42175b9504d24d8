// Package eventpoll is epoll (fs/eventpoll.c) over the simulated VFS: an
// epoll instance is an anonymous file whose items are other files, each
// with the events it waits for, level- or edge-triggered, and one-shot.
//
// Lock order of what this package owns:
//
//	ep->mtx                 (an instance's items, ready list and wait queue)
//	  [a polled file's lock: dev->ev_mutex, pipe->mutex, ctx->wqh.lock]
//
// A file's poll (vfs.PollWaiter) hands out a channel that its next wake-up
// closes. The kernel's ep_poll_callback runs in the waker and puts the item
// on the ready list at once; here the waker only closes the channel, and
// the next epoll call that looks (epoll_wait, epoll_ctl) finds it closed
// and does what the callback would have done: links the item on the ready
// list if it is not there and arms a new channel. The ready list's order is
// therefore the order of the items' registration among those woken
// between two looks, where the kernel's is the order of the wake-ups; an
// item that was on the list stays in its place, and a level-triggered item
// reported goes back to the tail, as in ep_send_events.
//
// Lifetimes: an item holds no reference on its file, as an epitem holds
// none: closing the file's last descriptor releases the file, and the
// instance drops the item (eventpoll_release) the next time it looks. An
// instance's items go with its file's release.
//
// Not modelled: adding an epoll instance to another (EPERM here: the
// simulator's instance has no wait queue to nest), EPOLLWAKEUP (accepted,
// no effect), EPOLLEXCLUSIVE's single wake-up (one sleeper per instance
// is all a Task can have).
package eventpoll
