# Thin wrapper over CMake.  `make` builds build/snipeproof.
BUILD   ?= build
CMAKE   ?= cmake
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
# Debian packages the build and the tests need: pkg-config module -> package.
DEPS     = yaml-0.1:libyaml-dev jansson:libjansson-dev cmocka:libcmocka-dev
TOOLS    = cmake:cmake pkg-config:pkg-config jq:jq python3:python3

.PHONY: all build check demo asan ubsan leakcheck fuzz bench deps install-deps clean install

all: build

# Names every missing dependency and the apt package that provides it.
deps:
	@missing=""; \
	for t in $(TOOLS); do command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	for d in $(DEPS); do pkg-config --exists $${d%%:*} 2>/dev/null || missing="$$missing $${d#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "snipeproof needs these Debian packages:$$missing"; \
	  echo "install them with: apt-get install$$missing   (or run 'make install-deps')"; exit 1; fi

install-deps:
	@sh scripts/install-deps.sh

build: deps
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_EXTRA) >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

check: install-deps
	@$(MAKE) --no-print-directory build
	@sh tests/run-all.sh $(BUILD)

demo: install-deps
	@$(MAKE) --no-print-directory build
	@sh examples/demo.sh $(BUILD)/snipeproof

asan:
	@$(MAKE) --no-print-directory build BUILD=build-asan CMAKE_EXTRA=-DSP_SANITIZE=address,undefined
	@ASAN_OPTIONS=detect_leaks=1 sh tests/run-all.sh build-asan

ubsan:
	@$(MAKE) --no-print-directory build BUILD=build-ubsan CMAKE_EXTRA=-DSP_SANITIZE=undefined
	@sh tests/run-all.sh build-ubsan

leakcheck: asan

fuzz:
	@sh fuzz/run.sh $(or $(FUZZ_SECONDS),60)

bench: build
	@sh bench/run.sh $(BUILD)/snipeproof

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: PREFIX/bin/snipeproof,
# PREFIX/share/man/man1/snipeproof.1 and
# PREFIX/share/bash-completion/completions/snipeproof, all under DESTDIR.
PREFIX  ?= /usr/local
install: build
	@DESTDIR="$(DESTDIR)" $(CMAKE) --install $(BUILD) --prefix "$(PREFIX)"

clean:
	rm -rf build build-asan build-ubsan build-fuzz
