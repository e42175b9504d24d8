// Package simrun runs scenarios (package scenario) in the simulator: Run
// boots a fresh kernel with the file's personality, drives it through the
// scenario interpreter as one root task, and reports what the kernel's
// checkers found at shutdown; NewMachine is the same adapter for drivers
// that keep their own kernel; Check is `inosim check` for one file.
//
// It sits between the two so that the scenario language needs nothing of
// the simulator, and the host-kernel runner and the reference model can
// use the language without linking it.
package simrun
