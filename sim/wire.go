package sim

import (
	"github.com/inosim/inosim/handle"
	"github.com/inosim/inosim/vfs"
)

// fsnotify returns the notifier the kernel's VFS calls: inotify's
// fsnotify hooks (package handle) over the kernel's inotify state.
func (k *Kernel) fsnotify() vfs.Notifier { return handle.Fsnotify{Env: k.inotify.env} }
