// Package uapi is the user-space ABI of <linux/inotify.h>: the IN_* bits,
// their names, struct inotify_event and its byte encoding.
//
// It is the bottom of inosim that consumers import: a program that reads
// events from the simulator (or from the real kernel) decodes them with
// Decode, and prints masks with Mask.String.
package uapi
