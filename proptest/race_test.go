//go:build race

package proptest

// raceEnabled: the race detector slows the simulator about tenfold, so the
// slow searches replay their saved results instead.
const raceEnabled = true
