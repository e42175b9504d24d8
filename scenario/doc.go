// Package scenario is the scenario language of inosim: the plain-text
// transcripts of system calls that run both in the simulator and on the
// host's real kernel (the contract is docs/scenarios.md).
//
// A scenario is one command per line ("mkdir /d", "i = inotify_init",
// "w = inotify_add_watch i /d IN_CREATE", "rename /d/a /d/b => ENOENT"),
// header lines ("personality linux-2.6.18", "sysctl max_queued_events=4"),
// comments after '#', and result lines indented under the command they
// belong to: the events a "read" returned, "WD MASK [cookie=LABEL] [NAME]".
//
// The pieces:
//
//   - the lexer (lexLine) splits a line into tokens, unquoting Go string
//     literals; Quote is its inverse;
//   - Parse builds a File: every source Line (so nothing of the author's
//     layout is lost) and the Commands with typed operands (Command's
//     comment lists which field each op uses) and their expectations
//     (Command.Expect, Command.Events). Errors read "FILE:LINE:COL: message";
//   - Run, the interpreter, walks File.Lines, applies SysctlLine settings
//     and executes each Command by its Op as calls of a Machine (the
//     simulator through package simrun, the host kernel through package
//     hostkernel, the reference model of proptest/model), and reports one
//     Outcome per command;
//   - Print turns the File and the Outcomes into a transcript: the input
//     with its results written anew. File.ExpectedAll gives the outcomes the
//     file itself expects, so Print(f, f.ExpectedAll()) of a printed
//     transcript is that transcript again: run → check is a fixed point;
//   - thread and process lines name tasks, a "NAME:" prefix gives a command
//     to one, and consecutive prefixed commands form a concurrent block
//     that Run hands to a ThreadMachine (the simulator under its
//     deterministic scheduler); Signature sums up a run's outcome as an
//     outcome line writes it;
//   - Equal and Diff compare two transcripts the way "inosim check" and
//     "inosim diff" do, ignoring indentation width and trailing white space.
//
// The package does not know what the calls do: of inosim it imports only
// uapi (masks, flags, errno and personality names), so the host-kernel
// runner and the reference model use it without linking the simulator
// (cmd/inosim's deps test holds this).
package scenario
