package inotifyfs

import (
	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/vfs"
)

// GroupOf returns the fsnotify group of an inotify instance's file, for
// tests that drive fs/notify by hand.
func GroupOf(f *vfs.File) *fsnotify.Group { return f.Ops.(*group).fsg }

// WdOf returns the wd of one of inotify's marks.
func WdOf(m *fsnotify.Mark) int32 { return iMark(m).wd.Load() }
