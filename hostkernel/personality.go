package hostkernel

import (
	"fmt"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// refusePersonality is the runner's answer to a scenario no Linux kernel
// can run: personality illumos asks for another kernel's inotify (seed
// 004), with its own ioctls and vnode layer, which exists only in the
// simulator. The historical Linux personalities run (today's kernel, with
// a warning that the transcripts will differ).
func refusePersonality(f *scenario.File) error {
	if f.Personality == uapi.PersonalityIllumos {
		return fmt.Errorf("personality illumos cannot run on the host kernel: illumos inotify (seed 004) exists only in the simulator")
	}
	return nil
}
