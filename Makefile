# greenlet: `make run` starts the echo server, `make test` runs every test.
# Both install what a fresh Debian/Ubuntu machine lacks first.

SWIFT ?= swift
PORT ?= 4915
BIN_DEBUG = $(shell $(SWIFT) build --show-bin-path)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: deps build release run test bench clean

deps:
	bash Scripts/install-deps.sh

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product greenlet

run: release
	$(BIN_RELEASE)/greenlet echo --port $(PORT)

# One debug build serves the unit tests and the end-to-end tests of the built binary.
test: build
	$(SWIFT) test --skip-build --skip EndToEndTests
	GREENLET_BIN=$(BIN_DEBUG)/greenlet $(SWIFT) test --skip-build --filter EndToEndTests

bench: release
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-echo.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-spawn.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-echo-threads.sh

clean:
	rm -rf .build .build-*
