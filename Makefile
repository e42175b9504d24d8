GO ?= go

.PHONY: test vet fmt proptest bugs build

# The test suite CI runs: vet, then every package with the race detector.
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

build:
	$(GO) build ./...

# The long property campaign (docs/testing.md): 100,000 random steps
# simulator-vs-model, 2,000 random scenarios simulator-vs-kernel (skipped
# without root or inotify), 100,000 random steps under personality illumos
# (seed 004's invariants), the injected-bug search on the kernel, and
# 100 stress runs of 20,000 concurrent calls each (a deadlock hangs until
# the timeout). The last four lines are the summary.
PROPTEST_STEPS ?= 100000
PROPTEST_SCENARIOS ?= 2000
PROPTEST_STRESSRUNS ?= 100
PROPTEST_STRESSOPS ?= 20000
proptest:
	@sum=$$(mktemp); \
	$(GO) test -count=1 -timeout 15m ./proptest -args \
		-proptest.steps=$(PROPTEST_STEPS) -proptest.scenarios=$(PROPTEST_SCENARIOS) \
		-proptest.illumossteps=$(PROPTEST_STEPS) \
		-proptest.stressruns=$(PROPTEST_STRESSRUNS) -proptest.stressops=$(PROPTEST_STRESSOPS) \
		-proptest.bugkernel -proptest.summary=$$sum; st=$$?; \
	cat $$sum; rm -f $$sum; exit $$st

# The mutation campaign: the property tests, the kernel campaign (as root)
# and every checked-in scenario run against each historical bug switch;
# the table of docs/testing.md, ending "bugs: caught=N of M".
bugs:
	@rep=$$(mktemp); log=$$(mktemp); \
	$(GO) test -count=1 -timeout 40m -run '^TestBugCampaign$$' ./proptest -args \
		-proptest.bugcampaign -proptest.bugreport=$$rep >$$log 2>&1; st=$$?; \
	if [ $$st -ne 0 ]; then grep -v '^|\|^bugs:\|^$$' $$log; fi; \
	cat $$rep; rm -f $$rep $$log; exit $$st
