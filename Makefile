# steward: build, test, demo and install. `make help` lists the targets.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/steward
PLUGINDIR ?= $(PREFIX)/lib/steward/plugins
DESTDIR  ?=
SAN      ?=
# The store the shell suites run on: sqlite, or postgres (a throwaway server, tests/run).
STORE    ?= sqlite
# VALGRIND=1: make test runs every steward process and unit test under valgrind (tests/valgrind-wrap);
# a leak or memory error fails the check. Slow, so not in .ci/run; not with SAN=1 (ASan's own heap).
VALGRIND ?=
VERSION  := 0.1.0

# Sanitizer builds get their own tree so objects never mix.
ifeq ($(SAN),1)
BUILD    := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1
else
BUILD    := build
SANFLAGS :=
OPT      := -O2
endif

PKGS      := ncursesw sqlite3 libpq libcurl jansson libsodium inih
TEST_PKGS := cmocka

# make calls scripts/install-deps only when pkg-config cannot find something.
NEED_PKGS := $(PKGS) $(if $(filter test check,$(MAKECMDGOALS)),$(TEST_PKGS))
ifeq ($(filter clean format help,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(NEED_PKGS) 2>/dev/null && echo ok),ok)
$(info steward: missing build dependencies; running scripts/install-deps)
ifneq ($(shell scripts/install-deps >&2; echo $$?),0)
$(error scripts/install-deps could not install the dependencies; see above)
endif
endif
PKG_CFLAGS := $(filter-out -D_XOPEN_SOURCE% -D_DEFAULT_SOURCE,$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
endif

CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 \
	$(WARN) $(CFLAGS) $(SANFLAGS) -I. -Icore -DSTEWARD_VERSION='"$(VERSION)"' \
	-DSTEWARD_DATADIR='"$(DATADIR)"' -DSTEWARD_PLUGINDIR='"$(PLUGINDIR)"' $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)
LIBS    := $(PKG_LIBS) -lpthread -ldl -lm

CORE_SRC := $(wildcard core/*.c)
CLI_SRC  := $(filter-out cli/main.c,$(wildcard cli/*.c))
TUI_SRC  := $(wildcard tui/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/cli/main.o
FUZZ_TARGETS := policy lineage playbook haproxy card config keys note proof dsse statement prometheus mlflow alertmanager policytest bundle openlineage
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) $(FUZZ_TARGETS:%=$(BUILD)/tests/test_fuzz_%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIBCORE := $(BUILD)/libsteward.a
LIBFACE := $(BUILD)/libfaces.a
STEWARD := $(BUILD)/steward
# The tests' build of the same program: only its clock and its key files'
# costs differ (store.c with STEWARD_TEST_CLOCK reads STEWARD_NOW, and for
# store_test_wait STEWARD_TEST_FILTER_MS and STEWARD_TEST_PROVE_MS; keys.c
# STEWARD_TEST_KDF and STEWARD_TEST_WAIT_MS); the release build never reads them.
# Beside the release binary, so it finds the same build/plugins.
TESTCLOCK_SRC := core/store.c core/keys.c
TESTCLOCK_OBJ := $(TESTCLOCK_SRC:%.c=$(BUILD)/obj/testclock/%.o)
LIBCORE_TEST := $(BUILD)/libsteward-testclock.a
STEWARD_TEST := $(BUILD)/steward-testclock

.PHONY: all test check bench fuzz analyze demo install uninstall clean format help
# Keep test objects: they are not intermediates to throw away.
.SECONDARY:
.SECONDEXPANSION:
.DEFAULT_GOAL := all

PLUGIN_SO := $(patsubst plugins/%/,$(BUILD)/plugins/steward-%.so,$(sort $(dir $(wildcard plugins/*/*.c))))
TEST_PLUGIN_SO := $(patsubst tests/plugins/%.c,$(BUILD)/tests/plugins/steward-%.so,$(wildcard tests/plugins/*.c))

all: $(STEWARD) $(PLUGIN_SO)

# Plugins: one shared object per plugins/NAME/ directory, on libcurl and
# jansson, never on libsteward (the ABI header is all they share). steward
# refuses plugins its group or others could change, whatever the umask.
$(BUILD)/plugins/steward-%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) plugins/steward-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $(filter %.c,$^) $(ALL_LDFLAGS) $(PKG_LIBS)
	chmod go-w $@ $(dir $@)

# Test peers: a fake tracking server for faults a real MLflow cannot show (named fake on
# purpose), and the HAProxy tests' socket tool and plugin driver.
FAKE_BIN := $(patsubst tests/fake/%.c,$(BUILD)/tests/fake/%,$(wildcard tests/fake/*.c))
$(BUILD)/tests/fake/%: tests/fake/%.c plugins/steward-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ldl

# The PostgreSQL engine's tests: tests/integration/pg-engine.sh runs them against the throwaway
# server tests/pg-lib.sh starts (not unit tests: they need that server).
PG_TEST_BIN := $(patsubst tests/pg/%.c,$(BUILD)/tests/pg/%,$(wildcard tests/pg/*.c))
$(BUILD)/tests/pg/%: $(BUILD)/obj/tests/pg/%.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBCORE) $(LIBS)

# Plugins that misbehave on purpose, for the tests.
$(BUILD)/tests/plugins/steward-%.so: tests/plugins/%.c plugins/steward-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS)
	chmod go-w $@ $(dir $@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBFACE): $(CLI_OBJ) $(TUI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(STEWARD): $(MAIN_OBJ) $(LIBFACE) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBFACE) $(LIBCORE) $(LIBS)

$(BUILD)/obj/testclock/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSTEWARD_TEST_CLOCK -MMD -MP -c -o $@ $<

$(LIBCORE_TEST): $(filter-out $(TESTCLOCK_SRC:%.c=$(BUILD)/obj/%.o),$(CORE_OBJ)) $(TESTCLOCK_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(STEWARD_TEST): $(MAIN_OBJ) $(LIBFACE) $(LIBCORE_TEST)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBFACE) $(LIBCORE_TEST) $(LIBS)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itui -Icli -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBFACE) $(LIBCORE_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBFACE) $(LIBCORE_TEST) $(TEST_LIBS) $(LIBS)

# The fuzz targets (every parser of outside input: tests/fuzz/fuzz_*.c), each driven over its seed corpus and
# deterministic mutations (tests/fuzz/driver.c) so every `make test` runs it.
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/driver.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# With clang: real libFuzzer builds of the same targets, each run FUZZ_SECONDS over a copy of its
# corpus (scripts/fuzz-run); a crash, leak or hang fails. Its own tree, whatever SAN says.
FUZZ_SECONDS ?= 15
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := -std=c11 -g -O1 -fno-omit-frame-pointer $(filter -D% -I%,$(ALL_CFLAGS)) $(PKG_CFLAGS)
FUZZ_SAN     := address,undefined
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libsteward.a: $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libsteward.a
	clang -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LIBS)

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	scripts/fuzz-run $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# cppcheck and clang's static analyser over core/ cli/ tui/ plugins/ (scripts/analyze/run); any new finding fails.
analyze:
	scripts/analyze/run

# The README's test command: unit, CLI and console tests; one summary line.
ESTATE_TEST := $(BUILD)/bench/estate-testclock
test check: $(STEWARD) $(STEWARD_TEST) $(PLUGIN_SO) $(TEST_PLUGIN_SO) $(FAKE_BIN) $(UNIT_BIN) $(PG_TEST_BIN) $(ESTATE_TEST)
	STEWARD_STORE=$(STORE) STEWARD_VALGRIND=$(VALGRIND) tests/run $(BUILD)

# The generators and baselines bench/run uses: one program per bench/*.c, on libsteward.
# The bench's generator draws the CLI's progress line (cli/meter.c).
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/obj/cli/meter.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/cli/meter.o $(LIBCORE) $(LIBS)

# The bench's generator on the tests' library (fast key files): tests/cli/estate.sh makes a small
# estate with it (ESTATE_TEST is set above the test rule, which names it).
$(ESTATE_TEST): $(BUILD)/obj/bench/estate.o $(BUILD)/obj/cli/meter.o $(LIBCORE_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/cli/meter.o $(LIBCORE_TEST) $(LIBS)

# DESIGN section 9's budgets, measured on a generated estate; never part of `make test`.
# bench/run builds what it needs itself (so it also works on its own): hence the '+'.
bench:
	+bench/run

demo: $(STEWARD)
	$(STEWARD) demo

install: $(STEWARD) $(PLUGIN_SO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)/policies $(DESTDIR)$(DATADIR)/policies/playbooks
	install -m 0755 $(STEWARD) $(DESTDIR)$(BINDIR)/steward
	install -d $(DESTDIR)$(PLUGINDIR)
	for f in $(PLUGIN_SO); do install -m 0755 $$f $(DESTDIR)$(PLUGINDIR)/; done
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	for f in man/*.5 man/*.7; do [ -e "$$f" ] || continue; \
		case $$f in *.5) d=man5;; *) d=man7;; esac; \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/$$d/; done
	for f in policies/*; do [ -f "$$f" ] && install -m 0644 $$f $(DESTDIR)$(DATADIR)/policies/; done; true
	install -m 0644 policies/playbooks/*.playbook $(DESTDIR)$(DATADIR)/policies/playbooks/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/steward $(DESTDIR)$(MANDIR)/man1/steward.1 \
		$(DESTDIR)$(MANDIR)/man5/steward-*.5 $(DESTDIR)$(MANDIR)/man7/steward-*.7
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(PLUGINDIR)

clean:
	rm -rf build

format:
	clang-format -i $(wildcard core/*.[ch] cli/*.[ch] tui/*.[ch] plugins/*.[ch] plugins/*/*.[ch] tests/unit/*.[ch])

help:
	@echo "targets: all (default) test fuzz analyze bench demo install uninstall clean format"
	@echo "options: SAN=1 (ASan+UBSan build under build/san) STORE=postgres (test on PostgreSQL) VALGRIND=1 (test under valgrind; slow, not in CI) FUZZ_SECONDS=N (per fuzz target; 15) PREFIX=... DESTDIR=..."

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
