# carerhub: build, test, run.
#
#   make            build everything into bin/
#   make check      all tests, then all tests again under ASan+UBSan, then each
#                   fuzz target briefly
#   make demo       a local hub on its built-in defaults, fed the samples
#   make bench      benchmarks
#   make bench-peers the hub alone beside RabbitMQ's durable pipeline, in one run
#                   (installs RabbitMQ and librabbitmq first; nothing else needs them)
#   make faults     the fault campaign (FAULT_KILLS=50 SIGKILLs under load)
#   make fuzz       every fuzz target for FUZZ_SECONDS (default 60) each
#   make deps       install missing Debian packages
#   make install    PREFIX=/usr/local DESTDIR= (programs, configuration, systemd units,
#                   man pages in MANDIR)
#   make man-lint   render every man page as man(1) does, failing on any warning
#
# check, demo and bench install missing dependencies first, so each works on
# a fresh Debian machine as the only command.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc
LOCALSTATEDIR ?= $(PREFIX)/var
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

VARIANT ?= release
B := build/$(VARIANT)
ifeq ($(VARIANT),release)
OUT := bin
VFLAGS := -O2 -g
else ifeq ($(VARIANT),asan)
OUT := $(B)/bin
VFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
          -fno-omit-frame-pointer
else ifeq ($(VARIANT),fuzz)
OUT := $(B)/bin
CC := clang
VFLAGS := -O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
else
$(error VARIANT must be release, asan or fuzz)
endif

PKGS := libzmq libprotobuf-c lmdb yaml-0.1 libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wvla -Wno-missing-field-initializers -Wno-unused-parameter
CFLAGS ?=
override CFLAGS += -std=c11 $(VFLAGS) $(WARN) -D_GNU_SOURCE -Ilib -I$(B)/gen $(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS) -lm
# jansson reads the outcome files of a provider's case system (the agent,
# and the unit tests and fuzz targets of its code) and writes reports' JSON.
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)

# libmicrohttpd serves the web front door (carerhub-web, and the unit tests
# of its code) and nothing else.
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

# GnuTLS (libmicrohttpd's TLS, which libmicrohttpd-dev brings): the FHIR
# interface reads the certificate an API client presents (mutual TLS).
GNUTLS_CFLAGS := $(shell pkg-config --cflags gnutls 2>/dev/null)
GNUTLS_LIBS := $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)

JOBS := $(shell nproc 2>/dev/null || echo 2)

# --- sources -----------------------------------------------------------------

PROTO := $(sort $(wildcard proto/*.proto))
GEN_C := $(PROTO:proto/%.proto=$(B)/gen/%.pb-c.c)
GEN_H := $(GEN_C:.c=.h)
LIB_SRC := $(sort $(wildcard lib/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(GEN_C:.c=.o)
LIBA := $(B)/libcarerhub.a

# services/<dir>/ builds bin/<program>
SERVICES := carerhub:carerhub
SERVICES += gp-intake:carerhub-gp-intake discharge-intake:carerhub-discharge-intake
SERVICES += school-intake:carerhub-school-intake self-intake:carerhub-self-intake
SERVICES += professional-intake:carerhub-professional-intake
SERVICES += router:carerhub-router
SERVICES += provider:carerhub-provider web:carerhub-web
SERVICES := $(foreach s,$(SERVICES),$(if $(wildcard services/$(word 1,$(subst :, ,$(s)))/main.c),$(s)))
PROGRAMS := $(foreach s,$(SERVICES),$(OUT)/$(word 2,$(subst :, ,$(s))))

TEST_SRC := $(sort $(wildcard tests/unit/*.c))
TEST_BIN := $(OUT)/carerhub-test
BENCH_SRC := $(filter-out tests/bench/bench_rabbit.c,$(sort $(wildcard tests/bench/*.c)))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(OUT)/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(OUT)/%)
# Planted faults, only for the tests that show the fault campaign catches
# them; never installed: the provider agent with its ledger's redelivery
# check planted out (-DCARERHUB_PLANT_NO_LEDGER_CHECK,
# t_faults_catch_rewrites.sh), and the router without its check of outcome
# ids already recorded (-DCARERHUB_PLANT_NO_OUTCOME_ID_CHECK,
# t_faults_catch_outcomes_twice.sh).
PLANTED_BIN := $(OUT)/planted/carerhub-provider $(OUT)/planted/carerhub-router
PLANTED_OBJ := $(patsubst %.c,$(B)/planted/%.o,$(sort $(wildcard services/provider/*.c)))
PLANTED_ROUTER_OBJ := $(patsubst %.c,$(B)/planted/%.o,$(sort $(wildcard services/router/*.c)))
# Preloaded libraries for fault tests: never instrumented, so they can be
# preloaded into instrumented daemons too.
PRELOAD_SO := $(patsubst tests/preload/%.c,$(OUT)/libcarerhub-%.so,$(wildcard tests/preload/*.c))

.PHONY: all build deps deps-ok check test check-variant demo run bench bench-peers install install-man \
        uninstall man-lint format format-check clean fuzz faults

all: deps-present
	@$(MAKE) --no-print-directory -j$(JOBS) build

build: $(PROGRAMS) $(TEST_BIN) $(BENCH_BIN) $(TOOL_BIN) $(PRELOAD_SO) $(PLANTED_BIN)

# --- rules ---------------------------------------------------------------------

$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen -Iproto $<

$(B)/gen/%.pb-c.o: $(B)/gen/%.pb-c.c $(GEN_H)
	$(CC) $(CFLAGS) -w -c $< -o $@

$(B)/%.o: %.c | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

define service_rule
$(OUT)/$(2): $(patsubst %.c,$(B)/%.o,$(sort $(wildcard services/$(1)/*.c))) $(LIBA)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rule,$(word 1,$(subst :, ,$(s))),$(word 2,$(subst :, ,$(s))))))
$(B)/services/provider/%.o $(B)/planted/services/provider/%.o: override CFLAGS += $(JANSSON_CFLAGS)
# lib/report writes a report's JSON with jansson too (carerhub report --json).
$(B)/lib/report/%.o: override CFLAGS += $(JANSSON_CFLAGS)
# lib/fhir reads FHIR requests and writes FHIR resources with jansson (carerhub-web).
$(B)/lib/fhir/%.o: override CFLAGS += $(JANSSON_CFLAGS)
$(OUT)/carerhub-provider $(PLANTED_BIN) $(TEST_BIN) $(OUT)/carerhub-testpeer: LDLIBS += $(JANSSON_LIBS)
$(OUT)/carerhub: LDLIBS += $(JANSSON_LIBS)
$(B)/services/web/%.o: override CFLAGS += $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
$(OUT)/carerhub-web $(TEST_BIN): LDLIBS += $(MHD_LIBS) $(GNUTLS_LIBS)
# carerhub-web's FHIR interface reads JSON with jansson (lib/fhir).
$(OUT)/carerhub-web: LDLIBS += $(JANSSON_LIBS)

$(B)/planted/%.o: %.c | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DCARERHUB_PLANT_NO_LEDGER_CHECK -DCARERHUB_PLANT_NO_OUTCOME_ID_CHECK \
	    -MMD -MP -c $< -o $@

$(OUT)/planted/carerhub-provider: $(PLANTED_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/planted/carerhub-router: $(PLANTED_ROUTER_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The router's and the web front door's own objects (all but their mains)
# and the provider agent's spool code are linked into the unit test runner,
# so that they have unit tests.
ROUTER_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out services/router/main.c,\
                $(sort $(wildcard services/router/*.c))))
TEST_SVC_OBJ := $(ROUTER_OBJ) $(patsubst %.c,$(B)/%.o,services/provider/provider_spool.c \
                                        services/provider/provider_spool_ledger.c \
                                        services/provider/provider_json.c \
                                        services/provider/provider_outcome.c \
                                        services/provider/provider_outbox.c \
                                        services/provider/provider_outbox_file.c)
WEB_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out services/web/main.c,$(sort $(wildcard services/web/*.c))))
TEST_SVC_OBJ += $(WEB_OBJ)
$(B)/tests/unit/%.o: override CFLAGS += -Iservices $(JANSSON_CFLAGS)

$(TEST_BIN): $(TEST_SRC:%.c=$(B)/%.o) $(TEST_SVC_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# bench_pipeline --spool runs the provider agent's own spool code.
$(OUT)/bench_pipeline: $(B)/tests/bench/bench_pipeline.o \
                       $(patsubst %.c,$(B)/%.o,services/provider/provider_spool.c \
                                                 services/provider/provider_spool_ledger.c \
                                                 services/provider/provider_json.c) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# bench_report runs the router's own code in this process, on a store it fills.
$(B)/tests/bench/bench_report.o: override CFLAGS += -Iservices
$(OUT)/bench_report: $(B)/tests/bench/bench_report.o $(B)/tests/unit/fixture.o $(ROUTER_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# bench_rabbit (make bench-peers) is RabbitMQ's client, librabbitmq: not part
# of build, so that nothing else needs librabbitmq.
RABBIT_CFLAGS = $(shell pkg-config --cflags librabbitmq 2>/dev/null)
RABBIT_LIBS = $(shell pkg-config --libs librabbitmq 2>/dev/null || echo -lrabbitmq)
$(B)/tests/bench/bench_rabbit.o: override CFLAGS += $(RABBIT_CFLAGS)
$(OUT)/bench_rabbit: $(B)/tests/bench/bench_rabbit.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(RABBIT_LIBS) -pthread

$(OUT)/%: $(B)/tests/bench/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# carerhub-reportcheck (the fault campaign's check of the report table)
# reads a router store with the router's own cohort keys.
$(B)/tests/tools/carerhub-reportcheck.o: override CFLAGS += -Iservices
$(OUT)/carerhub-reportcheck: $(B)/tests/tools/carerhub-reportcheck.o $(ROUTER_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/%: $(B)/tests/tools/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/libcarerhub-%.so: tests/preload/%.c
	@mkdir -p $(@D)
	cc -O2 -Wall -Wextra -fPIC -shared -o $@ $< -ldl

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)

# --- dependencies --------------------------------------------------------------

deps:
	tools/deps install

# Fails with advice when something is missing (plain `make`).
deps-present:
	@tools/deps status build >/dev/null || { tools/deps status build; \
	  echo "run 'make deps' to install what is missing" >&2; exit 1; }

# Installs what is missing (check, demo, bench).
deps-ok:
	@tools/deps status >/dev/null 2>&1 || tools/deps install

# --- tests ---------------------------------------------------------------------

check: deps-ok
	@$(MAKE) --no-print-directory check-variant VARIANT=release
	@$(MAKE) --no-print-directory check-variant VARIANT=asan
	@$(MAKE) --no-print-directory VARIANT=fuzz -j$(JOBS) fuzz-build
	tests/fuzz/run build/fuzz/bin $(FUZZ_SMOKE_SECONDS)
	@echo "make check: all tests passed, plain and under ASan+UBSan; fuzz targets ran $(FUZZ_SMOKE_SECONDS) s each"

test: deps-ok
	@$(MAKE) --no-print-directory check-variant VARIANT=release

check-variant:
	@$(MAKE) --no-print-directory -j$(JOBS) build
	tests/run $(OUT) $(VARIANT)

# Fault campaign: SIGKILLs under load, router down, agent offline.
FAULT_KILLS ?= 50
faults: deps-ok
	@$(MAKE) --no-print-directory -j$(JOBS) build
	FAULT_KILLS=$(FAULT_KILLS) tests/faults/run $(OUT)

# --- fuzzing -------------------------------------------------------------------

# tests/fuzz/fuzz_NAME.c builds build/fuzz/bin/fuzz_NAME (libFuzzer, ASan, UBSan);
# tests/fuzz/run runs each for FUZZ_SECONDS from its corpus in tests/fuzz/corpus/NAME.
# CI smoke run: make VARIANT=fuzz fuzz-build && tests/fuzz/run build/fuzz/bin 10
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/bin/%)
FUZZ_HARNESS := $(B)/tests/fuzz/harness.o
# jansson, the project's JSON library, reads back what the targets write as
# JSON. Only the fuzz targets use it.
FUZZ_LIBS := $(JANSSON_LIBS)
$(B)/tests/fuzz/%.o: override CFLAGS += $(JANSSON_CFLAGS)

.PHONY: fuzz-build
# Nothing built is ever deleted as an intermediate file: generated
# headers and objects that only a pattern rule names would go after each
# build, and the next make (a test's `make install`, say) would make them
# again and relink every program while tests run them.
.SECONDARY:

ifeq ($(VARIANT),fuzz)
fuzz-build: $(FUZZ_BIN)
else
fuzz-build:
	@echo "fuzz targets build only as VARIANT=fuzz: make VARIANT=fuzz fuzz-build" >&2; exit 2
endif

# fuzz_json writes case files with the provider agent's own code.
$(B)/bin/fuzz_json: $(B)/tests/fuzz/fuzz_json.o $(B)/services/provider/provider_json.o \
                    $(FUZZ_HARNESS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

# fuzz_outcome_json reads outcome files with the provider agent's own code.
$(B)/bin/fuzz_outcome_json: $(B)/tests/fuzz/fuzz_outcome_json.o \
                            $(B)/services/provider/provider_outcome.o $(FUZZ_HARNESS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

# The router's own code, fuzzed with the forwards an intake's key can send.
$(B)/tests/fuzz/fuzz_router_forward.o: override CFLAGS += -Iservices
$(B)/bin/fuzz_router_forward: $(B)/tests/fuzz/fuzz_router_forward.o $(FUZZ_HARNESS) $(ROUTER_OBJ) \
                              $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

# fuzz_web_body decodes request bodies with carerhub-web's own code and
# makes referrals of them as its forms do (web_body.c, web_fields.c,
# web_help_fields.c): those call nothing of libmicrohttpd, whose headers the web objects are
# compiled with; the rest of the daemon is not linked.
$(B)/tests/fuzz/fuzz_web_body.o: override CFLAGS += -Iservices $(MHD_CFLAGS)
$(B)/bin/fuzz_web_body: $(B)/tests/fuzz/fuzz_web_body.o $(B)/services/web/web_body.o \
                        $(B)/services/web/web_fields.o $(B)/services/web/web_help_fields.o \
                        $(B)/services/web/web_fields_caring.o $(B)/services/web/web_help_caring.o \
                        $(B)/services/web/web_form_answers.o \
                        $(FUZZ_HARNESS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

# fuzz_web_basic decodes Authorization headers with carerhub-web's own
# code (web_basic.c, which calls nothing of libmicrohttpd).
$(B)/tests/fuzz/fuzz_web_basic.o: override CFLAGS += -Iservices $(MHD_CFLAGS)
$(B)/bin/fuzz_web_basic: $(B)/tests/fuzz/fuzz_web_basic.o $(B)/services/web/web_basic.o \
                         $(FUZZ_HARNESS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

$(B)/bin/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(FUZZ_HARNESS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS)

fuzz: deps-ok
	@$(MAKE) --no-print-directory VARIANT=fuzz -j$(JOBS) fuzz-build
	tests/fuzz/run build/fuzz/bin $(FUZZ_SECONDS)

# --- running -------------------------------------------------------------------

demo: deps-ok
	@$(MAKE) --no-print-directory -j$(JOBS) build
	deploy/demo

run: deps-ok
	@$(MAKE) --no-print-directory -j$(JOBS) build
	deploy/local-hub run var/hub

bench: deps-ok
	@$(MAKE) --no-print-directory -j$(JOBS) build
	tests/bench/run bin

# RabbitMQ and librabbitmq are installed here only: make check, make bench and
# a plain build never need them. Of the rest, only what building needs.
bench-peers:
	@tools/deps status build >/dev/null 2>&1 || tools/deps install
	tests/bench/peers install
	@$(MAKE) --no-print-directory -j$(JOBS) build bin/bench_rabbit
	tests/bench/run bin peers

# --- installation --------------------------------------------------------------

# man/NAME.N goes to MANDIR/manN: carerhub(1), the configuration and file
# formats (5), the daemons (8).
MAN_PAGES := $(sort $(wildcard man/*.[158]))

install: deps-present install-man
	@$(MAKE) --no-print-directory -j$(JOBS) build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/carerhub/samples $(DESTDIR)$(UNITDIR)
	@# keys: each secret key 0600 and owned by the user that runs its daemon, so
	@# the directory is passable (for the public keys) but not listable; the
	@# spool: one 0700 directory per provider agent, made by its unit.
	install -d -m 0711 $(DESTDIR)$(SYSCONFDIR)/carerhub/keys
	install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/carerhub
	install -d -m 0755 $(DESTDIR)$(LOCALSTATEDIR)/spool/carerhub
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 config/routing.yaml config/districts.yaml config/participants.yaml \
	  config/case.schema.json config/outcome.schema.json $(DESTDIR)$(SYSCONFDIR)/carerhub/
	install -m 0644 config/samples/*.yaml $(DESTDIR)$(SYSCONFDIR)/carerhub/samples/
	sed -e 's|^data_dir:.*|data_dir: $(LOCALSTATEDIR)/lib/carerhub|' \
	    -e 's|^  keys_dir:.*|  keys_dir: $(SYSCONFDIR)/carerhub/keys|' config/carerhub.yaml \
	  > $(DESTDIR)$(SYSCONFDIR)/carerhub/carerhub.yaml
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/carerhub/carerhub.yaml
	for u in deploy/systemd/*.service; do \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	      -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	done

install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/

# Each page as man(1) shows it, 80 columns wide, with groff's warnings on:
# any warning, or a page that renders to nothing, fails.
man-lint:
	@for p in $(MAN_PAGES); do \
	  out=$$(MANWIDTH=80 man --warnings=w -l $$p 2>&1 >/dev/null) || { echo "$$p: man failed"; exit 1; }; \
	  [ -z "$$out" ] || { echo "$$p:"; echo "$$out"; exit 1; }; \
	  [ -n "$$(MANWIDTH=80 man -l $$p 2>/dev/null)" ] || { echo "$$p: renders empty"; exit 1; }; \
	done; echo "man-lint: $(words $(MAN_PAGES)) pages, no warnings"

uninstall:
	rm -f $(foreach p,$(PROGRAMS),$(DESTDIR)$(BINDIR)/$(notdir $(p)))
	rm -f $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	rm -f $(patsubst deploy/systemd/%,$(DESTDIR)$(UNITDIR)/%,$(wildcard deploy/systemd/*.service))
	rm -rf $(DESTDIR)$(SYSCONFDIR)/carerhub

# --- housekeeping --------------------------------------------------------------

FORMAT_SRC = $(shell find lib services tests -name '*.[ch]')

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build bin
