// Package docs holds inosim's documentation (the *.md files beside this
// one) and no code. Its test keeps the repository self-contained: no .go,
// .md or .scen file may point outside the repository, to the inputs the
// project was built from or to paths of the machine it was written on.
package docs
