package sim

import "github.com/inosim/inosim/vfs"

// fsnotify returns the notifier the kernel's VFS calls: none yet.
func (k *Kernel) fsnotify() vfs.Notifier { return vfs.NopNotifier{} }
