package uapi

// The files of /proc/sys/fs/inotify/ (a scenario's "sysctl KEY=VALUE").
const (
	SysctlMaxQueuedEvents  = "max_queued_events"
	SysctlMaxUserWatches   = "max_user_watches"
	SysctlMaxUserInstances = "max_user_instances"
)
