// Package watchgen generates file-system activity for testing an inotify
// consumer (a file watcher, a sync tool, a build system) on the simulator
// or the host's kernel, through unixsim.Sys: random activity over nested
// trees (mkdir -p, rm -rf, moves within, into and out of the watched tree,
// directory renames, atomic saves, hard links, symlinks), bursts that
// overflow a small max_queued_events, small watch and instance limits, and
// points where the consumer reads its events interleaved with the
// operations. Draws go through pgregory.net/rapid, so a failing run
// shrinks to a short scenario, which Scenario.Scen writes in the scenario
// language (docs/scenarios.md) to be kept as a .scen file.
//
// It extends proptest's Activity/Drive/Names (a flat directory, sim.Task
// only) to nested trees and to any unixsim.Sys. docs/testing-your-watcher.md
// walks through using it; package recwatch is the worked example.
package watchgen
