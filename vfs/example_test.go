package vfs_test

import (
	"fmt"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/vfs"
)

// A VFS is normally reached through a sim.Kernel and its tasks; the VFS
// methods take the task's Context. Walk returns a Path holding references,
// which the caller puts.
func ExampleVFS_Walk() {
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	task.Mkdir("/d", 0o755)
	task.Symlink("d", "/link")

	v := k.VFS()
	p, err := v.Walk(task.Ctx(), "/link", vfs.LOOKUP_FOLLOW|vfs.LOOKUP_DIRECTORY)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Dentry.Name(task.Cur()), p.Dentry.Inode(task.Cur()).IsDir())
	p.Put(task.Cur())

	_, err = v.Walk(task.Ctx(), "/link", vfs.LOOKUP_DIRECTORY)
	fmt.Println(err)
	fmt.Println(len(k.Shutdown()), "problems")
	// Output:
	// d true
	// not a directory
	// 0 problems
}
