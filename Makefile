# slogtree: make test (what CI runs), bench, fuzz, lint.
GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
FUZZTIME ?= 10s
# The modules every target runs in: the core, and otlp, a module of its own
# so that OpenTelemetry stays out of the core's dependencies.
MODULES := . otlp

.PHONY: test lint fmt-check vet staticcheck unit allocs bench fuzz tools

test: lint unit allocs

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...); done

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(STATICCHECK)

staticcheck: $(STATICCHECK)
	@set -e; for m in $(MODULES); do echo "staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); done

unit:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 ./...); done

# The race detector allocates on its own, so the allocation tests skip under
# -race: this pass runs them without it.
allocs:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -count=1 -run '^TestAllocs' ./...); done

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
