# slogtree: make test (what CI runs), bench, benchmarks, fuzz, lint.
GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
FUZZTIME ?= 10s
# The modules every target runs in: the core, and otlp, a module of its own
# so that OpenTelemetry stays out of the core's dependencies.
MODULES := . otlp
# benchmarks, a module of its own too (zap, zerolog and phuslu/log are
# required only there), is linted and its tests run (they check that every
# logger writes what the benchmarks time: seconds), but its benchmarks run
# only in make benchmarks.
LINT_MODULES := $(MODULES) benchmarks
# BENCHMARKS_FLAGS are passed to the report: -rounds, -benchtime, -bench.
BENCHMARKS_FLAGS ?=

.PHONY: test lint fmt-check vet staticcheck unit allocs benchmarks-check bench benchmarks fuzz tools

test: lint unit allocs benchmarks-check

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(LINT_MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...); done

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(STATICCHECK)

staticcheck: $(STATICCHECK)
	@set -e; for m in $(LINT_MODULES); do echo "staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); done

unit:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 ./...); done

# The race detector allocates on its own, so the allocation tests skip under
# -race: this pass runs them without it.
allocs:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -count=1 -run '^TestAllocs' ./...); done

# The benchmarks module's tests, no benchmark: each logger of each scenario
# writes one valid line, CPython's too, and the report's parsing.
benchmarks-check:
	cd benchmarks && $(GO) test -count=1 ./...

# The published comparison: writes docs/benchmarks.md and docs/benchmarks.svg
# (about 6 minutes on 2 cores).
benchmarks:
	cd benchmarks && $(GO) run . $(BENCHMARKS_FLAGS)

bench:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -run '^$$' -bench . -benchmem ./...); done

# Each fuzz target runs for FUZZTIME; go test allows one target per run.
fuzz:
	@set -e; for m in $(MODULES); do (cd $$m && \
	  for pkg in $$($(GO) list ./...); do \
	    for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	      echo "fuzz $$pkg $$t"; \
	      $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	    done; \
	  done); \
	done
