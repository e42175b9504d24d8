package uapi

// Personality names: the kernels a scenario may ask for ("personality
// NAME"). Each names one inotify, read from its seed; the simulator's
// behaviour for each lives in internal/personality, which models every
// name here.
const (
	// PersonalityLinux is today's kernel (observed on 6.18), the default
	// when a scenario names none.
	PersonalityLinux = "linux"
	// PersonalityLinux2613 is the first inotify: seed 000 as released in
	// 2.6.13.
	PersonalityLinux2613 = "linux-2.6.13"
	// PersonalityLinux2618 is the in-kernel API split (seeds 001 and 002)
	// as in 2.6.18.
	PersonalityLinux2618 = "linux-2.6.18"
	// PersonalityLinux2625 is seeds 001 and 002 exactly as written: the
	// kernel API of 2.6.18 under fs/inotify_user.c of the 2.6.25 merge
	// window.
	PersonalityLinux2625 = "linux-2.6.25"
	// PersonalityIllumos is illumos's inotify (seed 004): the driver over
	// vnode monitors, with illumos's libc and vnode layer.
	PersonalityIllumos = "illumos"
)

// PersonalityAbout says in one line which kernel and seed a personality
// name stands for ("" for an unknown name).
func PersonalityAbout(name string) string {
	switch name {
	case PersonalityLinux:
		return "today's kernel (the default; the host's kernel is its oracle)"
	case PersonalityLinux2613:
		return "seed 000: the first inotify, fs/inotify.c as merged for 2.6.13"
	case PersonalityLinux2618:
		return "seeds 001/002: the kernel-API split as in 2.6.18 (head merge, 0 on a short read)"
	case PersonalityLinux2625:
		return "seeds 001+002 as written: fs/inotify_user.c of the 2.6.25 merge window (tail merge)"
	case PersonalityIllumos:
		return "seed 004: illumos inotify over vnode monitors (FEM), libc's inotify_add_watch; simulator only"
	}
	return ""
}

// Personalities returns every personality name, in the spec's order.
func Personalities() []string {
	return []string{PersonalityLinux, PersonalityLinux2613, PersonalityLinux2618, PersonalityLinux2625, PersonalityIllumos}
}
