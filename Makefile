# greenlet: `make run` starts the echo server, `make test` runs every test.
# Both install what a fresh Debian/Ubuntu machine lacks first.

SWIFT ?= swift
PORT ?= 4915
BIN_DEBUG = $(shell $(SWIFT) build --show-bin-path)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: deps build release run test bench fuzz tsan asan clean

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

# ThreadSanitizer and AddressSanitizer (with LeakSanitizer): the unit tests, then the
# end-to-end tests against a sanitized binary, each in its own scratch path
# (.build-tsan, .build-asan). Any report fails the target (Scripts/sanitize.sh).
tsan: deps
	SWIFT=$(SWIFT) bash Scripts/sanitize.sh thread

asan: deps
	SWIFT=$(SWIFT) bash Scripts/sanitize.sh address

bench: release
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-echo.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-spawn.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-echo-threads.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-http.sh
	GREENLET_BIN=$(BIN_RELEASE)/greenlet bash Scripts/bench-crawl.sh

# libFuzzer over the HTTP parsers (Sources/HTTPParserFuzz), for FUZZ_SECONDS. It builds in
# its own scratch path with the sanitizers; the corpus grows in .build-fuzz, seeded from
# Fuzz/HTTPParser/seeds, and a crashing input lands in .build-fuzz/artifacts/. Swift's
# backtracer is off so that libFuzzer and ASan report a trap themselves.
FUZZ_SECONDS ?= 60
FUZZ_DIR = .build-fuzz

fuzz:
	$(SWIFT) build -c release --scratch-path $(FUZZ_DIR) --product HTTPParserFuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	SWIFT_BACKTRACE=enable=no $(FUZZ_DIR)/release/HTTPParserFuzz $(FUZZ_DIR)/corpus Fuzz/HTTPParser/seeds \
		-dict=Fuzz/HTTPParser/http.dict -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ -print_final_stats=1

clean:
	rm -rf .build .build-*
