# evovoiced — build, run, test.
#   make            build build/evovoiced
#   make run        install what is missing, build, serve on the SQLite default
#   make test       install what is missing, build, run every suite (a smoke run of each
#                   fuzz target included)
#   make asan       the unit and API suites under AddressSanitizer and UBSan
CC      ?= cc
# jemalloc: the request path allocates many small jansson nodes from several threads;
# it measured 27% more GET /customers/{id} per second than glibc's allocator here.
PKGS    := libmicrohttpd jansson sqlite3 libsodium jemalloc libcurl libxml-2.0 libpq libical libcrypto
CFLAGS  ?= -O2 -g
# (positional compound literals such as (qfilter_t){field, op, values} leave trailing members
# zero on purpose: -Wno-missing-field-initializers)
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -Wno-missing-field-initializers $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
BUILD   ?= build

SRC  := $(wildcard src/util/*.c src/schema/*.c src/codec/*.c src/store/*.c src/auth/*.c src/api/*.c src/http/*.c src/meta/*.c src/provider/*.c src/voice/*.c)
OBJ  := $(SRC:%.c=$(BUILD)/%.o)
UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))

.PHONY: all run test deps asan clean
all: $(BUILD)/evovoiced

deps:
	@scripts/install-deps

$(BUILD)/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -I$(BUILD)/gen -c $< -o $@

# the web console (console/: plain files, no build step) embedded as byte arrays
CONSOLE := $(sort $(wildcard console/*.html console/*.js console/*.css))
$(BUILD)/gen/console_assets.h: $(CONSOLE) scripts/embed-console
	@mkdir -p $(dir $@)
	@echo "  EMBED  $(CONSOLE)"
	@scripts/embed-console $@ $(CONSOLE)
$(BUILD)/src/http/console.o: $(BUILD)/gen/console_assets.h

$(BUILD)/evovoiced: $(BUILD)/src/main.o $(OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $^ -o $@ $(LDLIBS)

run: deps
	$(MAKE) all
	$(BUILD)/evovoiced serve --listen 127.0.0.1:8080 --db data/evovoiced.db

# the fuzz targets' smoke run (scripts/run-fuzz for FUZZ_SMOKE_SECONDS each) is one of the suites
test: deps tests/node_modules/.package-lock.json
	$(MAKE) all $(UNIT)
	$(MAKE) -j$(NPROC) fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/run-tests $(BUILD)

# the npm packages the black-box tests use (tests/package.json, pinned by its lock file)
tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer" \
	  build-asan/evovoiced $(patsubst $(BUILD)/%,build-asan/%,$(UNIT))
	ASAN_OPTIONS=detect_leaks=1 scripts/run-tests build-asan

clean:
	rm -rf build build-asan

# ---- fuzz: one libFuzzer target per input handler (tests/fuzz/fuzz_*.c), each run for
# FUZZ_SECONDS on a scratch copy of its seed corpus (tests/fuzz/corpus/<target>); new
# corpus entries go to the scratch copy, crash/leak/UB inputs to build-fuzz/artifacts/
# (scripts/run-fuzz; FUZZ_JOBS targets at once, default one per core).
#   make fuzz                      every target, 60 s each
#   make fuzz FUZZ_SECONDS=120 FUZZ_TARGETS="jsv xml"
#   make fuzz-smoke                every target, FUZZ_SMOKE_SECONDS (5) each: part of make test
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
NPROC        := $(shell nproc 2>/dev/null || echo 1)
FUZZ_TARGETS ?= jsv json xml form multipart e164 route query auth
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_PKGS    := jansson libxml-2.0 sqlite3 libsodium libcurl libpq libical libcrypto
FUZZ_SAN     ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers $(FUZZ_SAN) -Isrc $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LDLIBS  := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null) -lpthread -lm
# the parsers: jsv, json and xml link only these
FUZZ_CORE    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,src/util/buf.c $(wildcard src/schema/*.c src/codec/*.c))
# the rest of the program but main.c and the libmicrohttpd server, as an archive the
# linker takes only what it needs from: http_unescape (dispatch.c), e164_normalize (numbers.c)
FUZZ_REST    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out src/http/server.c $(FUZZ_CORE:$(FUZZ_BUILD)/%.o=%.c),$(SRC)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
.SECONDARY: $(FUZZ_CORE) $(FUZZ_REST)

.PHONY: fuzz fuzz-build fuzz-check fuzz-smoke
fuzz-check:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "make fuzz needs clang with libFuzzer:" \
	  "sudo apt-get install clang libclang-rt-14-dev (Debian 12: clang-14)"; exit 1; }
	@echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
	  $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined - -o /dev/null 2>/dev/null || { \
	  echo "$(FUZZ_CC) cannot link -fsanitize=fuzzer: sudo apt-get install libclang-rt-14-dev"; exit 1; }

$(FUZZ_BUILD)/%.o: %.c $(wildcard src/*/*.h) | fuzz-check
	@mkdir -p $(dir $@)
	@echo "  FUZZ-CC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/gen -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_BUILD)/src/http/console.o: $(BUILD)/gen/console_assets.h

$(FUZZ_BUILD)/librest.a: $(FUZZ_REST)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_CORE) $(FUZZ_BUILD)/librest.a | fuzz-check
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_CORE) $(FUZZ_BUILD)/librest.a -o $@ $(FUZZ_LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
