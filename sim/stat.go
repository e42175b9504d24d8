package sim

import "github.com/inosim/inosim/vfs"

// IsDir reports whether path names a directory, following a final symlink
// when follow is set: a stat(2) reduced to what inotifywait asks, which
// makes no event.
func (t *Task) IsDir(path string, follow bool) bool {
	t.Enter("stat")
	defer t.Exit()
	flags := 0
	if follow {
		flags = vfs.LOOKUP_FOLLOW
	}
	p, err := t.k.VFS().Walk(t.Ctx(), path, flags)
	if err != nil {
		return false
	}
	defer p.Put(t.Cur())
	ino := p.Dentry.Inode(t.Cur())
	return ino != nil && ino.IsDir()
}
