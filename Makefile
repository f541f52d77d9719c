# minewatch - build, sample, tests.
#
#   make                 build/minewatch
#   make samples         samples/generated/ (deterministic synthetic scene pair)
#   make test            unit tests, integration tests, bad-input tests
#   make SAN=1 test      the same under AddressSanitizer + UBSan (build-san/)
#   make MPI=1           build/minewatch-mpi, the scan spread over MPI ranks
#                        (OpenMPI's mpicc; objects in build-mpi/; with SAN=1,
#                        build-san/minewatch-mpi from build-san-mpi/)
#
# Every target below is a file target; header dependencies come from -MMD.

CC       ?= gcc
SAN      ?= 0
MPI      ?= 0
BUILD    := $(if $(filter 1,$(SAN)),build-san,build)$(if $(filter 1,$(MPI)),-mpi,)

GDAL_CFLAGS := $(shell gdal-config --cflags)
GDAL_LIBS   := $(shell gdal-config --libs)
PKG         := inih json-c libcrypto fftw3f libtiff-4 libisal xlsxwriter pangocairo fontconfig libpng16 libjpeg
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKG))
PKG_LIBS    := $(shell pkg-config --libs $(PKG))

# CFLAGS, LDFLAGS and LDLIBS are the user's (make CFLAGS=-O0 ...); what the
# project needs to build at all is in MW_CFLAGS, MW_LDFLAGS and MW_LDLIBS,
# which a command line does not replace.
CFLAGS    ?= -O2 -g
# pipeline/ is in rooms, one per stage in the order of a scan (docs/
# architecture.md); every room is on the include path, so a source names a
# header by its file name alone ("tiles.h"), wherever it lives.
ROOMS     := core ingest survey tiles patches rules reports ops
MW_INC    := -Ikernels -Ipipeline $(addprefix -Ipipeline/,$(ROOMS))
MW_CFLAGS := -std=c11 -Wall -Wextra -Werror -fopenmp -ffp-contract=off \
             -D_GNU_SOURCE $(MW_INC) $(GDAL_CFLAGS) $(PKG_CFLAGS)
MW_LDLIBS := $(GDAL_LIBS) $(PKG_LIBS) -llapacke -llapack -lm
MW_LDFLAGS := -fopenmp
ifeq ($(MPI),1)
CC        := mpicc
MW_CFLAGS += -DMW_MPI
MAIN_BIN  := $(if $(filter 1,$(SAN)),build-san,build)/minewatch-mpi
else
MAIN_BIN  := $(BUILD)/minewatch
endif
ifeq ($(SAN),1)
MW_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
MW_LDFLAGS += -fsanitize=address,undefined
endif
# after the user's CFLAGS: the kernels' flags (see below) win
MW_OPT    :=

# The build id (pipeline/core/build.c, mw.h): the git commit, and a hash of the
# sources, this Makefile, the compiler and its flags, so that it changes
# whenever the code or the way it is built changes (a resume journal of
# another build is then never loaded).  $(BUILD)/build-id holds it; only
# build.o is compiled again when it changes.
BUILD_ID_SRC := $(sort $(wildcard kernels/*.c kernels/*.h pipeline/*.c pipeline/*.h \
                  pipeline/*/*.c pipeline/*/*.h)) Makefile
MW_BUILD_ID  := $(shell git describe --always --dirty 2>/dev/null || echo nogit)-$(shell \
                  { cat $(BUILD_ID_SRC); echo '$(CC) $(CFLAGS) $(LDFLAGS)'; \
                    $(CC) --version 2>/dev/null | head -1; } | sha256sum | cut -c1-16)

KERNEL_SRC   := $(wildcard kernels/*.c)
PIPELINE_SRC := $(filter-out pipeline/main.c,$(wildcard pipeline/*.c pipeline/*/*.c))
KERNEL_OBJ   := $(KERNEL_SRC:%.c=$(BUILD)/obj/%.o)
PIPELINE_OBJ := $(PIPELINE_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ     := $(BUILD)/obj/pipeline/main.o

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

SAMPLE_DIR := samples/generated
SAMPLE     := $(SAMPLE_DIR)/truth.csv

.PHONY: all samples test unit check-integration clean valgrind FORCE
# keep the objects of the unit tests (intermediate files make would delete)
.SECONDARY:
all: $(MAIN_BIN)

# the kernels' loops are vectorized at -O3; no FP traps are used, so divisions
# may be computed unconditionally (results are the same bits: no
# FMA, -ffp-contract=off)
$(KERNEL_OBJ): MW_OPT := -O3 -fno-trapping-math

$(MAIN_BIN): $(MAIN_OBJ) $(PIPELINE_OBJ) $(KERNEL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(MW_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MW_LDLIBS) $(LDLIBS)

# the sample generator: gen_sample.c (main) and its rooms (samples/sample.h)
SAMPLE_GEN_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard samples/*.c))
$(BUILD)/gen_sample: $(SAMPLE_GEN_OBJ)
	$(CC) $(MW_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MW_LDLIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(PIPELINE_OBJ) $(KERNEL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(MW_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MW_LDLIBS) $(LDLIBS) -lcmocka

$(BUILD)/tests/cog_check: $(BUILD)/obj/tests/tools/cog_check.o
	@mkdir -p $(dir $@)
	$(CC) $(MW_LDFLAGS) $(LDFLAGS) -o $@ $^ -ltiff $(LDLIBS)

$(BUILD)/build-id: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MW_BUILD_ID)' | cmp -s - $@ 2>/dev/null || echo '$(MW_BUILD_ID)' >$@
$(BUILD)/obj/pipeline/core/build.o: $(BUILD)/build-id
$(BUILD)/obj/pipeline/core/build.o: CFLAGS += -DMW_BUILD_ID='"$(MW_BUILD_ID)"'
FORCE:

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(MW_CFLAGS) $(CFLAGS) $(MW_OPT) -MMD -MP -c -o $@ $<

$(SAMPLE): $(BUILD)/gen_sample
	$(BUILD)/gen_sample $(SAMPLE_DIR)

samples: $(SAMPLE)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

test: all samples unit $(BUILD)/tests/cog_check $(BUILD)/bench/gen_layers
	BUILD=$(BUILD) tests/selftest.sh
	BUILD=$(BUILD) tests/cli.sh
	BUILD=$(BUILD) tests/integration.sh
	BUILD=$(BUILD) tests/verdicts.sh
	BUILD=$(BUILD) tests/layers.sh
	BUILD=$(BUILD) tests/bad_input.sh
	BUILD=$(BUILD) tests/ledger.sh
	BUILD=$(BUILD) tests/nightly.sh
	BUILD=$(BUILD) tests/profiles.sh
	BUILD=$(BUILD) tests/tables.sh
	BUILD=$(BUILD) tests/evidence.sh
	BUILD=$(BUILD) tests/real_data.sh
	$(MAKE) MPI=1 SAN=$(SAN)
	BUILD=$(BUILD) tests/series.sh
	BUILD=$(BUILD) tests/mpi.sh

# valgrind on the sample scan: no leak definitely lost (GDAL's and libgomp's
# one-time allocations are "still reachable" or "possibly lost", not ours)
valgrind: all samples
	valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
	  $(BUILD)/minewatch scan configs/sample.ini -o $(BUILD)/valgrind-out -q
	@echo "valgrind: 1 passed, 0 failed"

clean:
	rm -rf build build-san build-mpi build-san-mpi $(SAMPLE_DIR)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- fuzzing (libFuzzer, clang) ---------------------------------------------
#   make fuzz FUZZ_SECONDS=N   run each harness N seconds on tests/fuzz/corpus/*
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -std=c11 -Wall -Wextra -Werror -Wno-unknown-pragmas \
                -DMW_BUILD_ID='"fuzz-$(MW_BUILD_ID)"' \
                -D_GNU_SOURCE $(MW_INC) $(GDAL_CFLAGS) $(PKG_CFLAGS) \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZERS      := config corners merge
FUZZ_SRC_config  := tests/fuzz/fuzz_config.c pipeline/core/config.c pipeline/core/error.c
FUZZ_SRC_corners := tests/fuzz/fuzz_corners.c pipeline/rules/corners.c pipeline/core/error.c
FUZZ_SRC_merge   := tests/fuzz/fuzz_merge.c $(PIPELINE_SRC) $(KERNEL_SRC)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD_ID_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fopenmp=libgomp -o $@ $(FUZZ_SRC_$*) $(MW_LDLIBS) $(LDLIBS)

.PHONY: fuzz
fuzz: $(FUZZERS:%=build-fuzz/fuzz_%)
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p build-fuzz/corpus_$$f; \
	  echo "== fuzz $$f for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/crash_$$f- build-fuzz/corpus_$$f tests/fuzz/corpus/$$f \
	    2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)'; \
	done

# ---- bench (issue 5) -------------------------------------------------------
#   make bench           generate (once, cached in $MINEWATCH_BENCH_CACHE, default
#                        /var/tmp/minewatch-bench) a Sentinel-2-tile-sized pair,
#                        time minewatch against the GDAL read floor, gdal_calc.py,
#                        memory bandwidth and the kernels; writes bench/results.json.
#                        BENCH_SIZE=2048 for a quick run; see bench/run.sh.
BENCH_BIN := $(addprefix $(BUILD)/bench/,gen_bench gen_layers read_floor stream kernel_bench)

$(BUILD)/bench/kernel_bench: $(KERNEL_OBJ) $(BUILD)/obj/pipeline/core/simd.o

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o
	@mkdir -p $(dir $@)
	$(CC) $(MW_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MW_LDLIBS) $(LDLIBS)

.PHONY: bench
bench: $(BUILD)/minewatch $(BENCH_BIN)
	$(MAKE) MPI=1
	BUILD=$(BUILD) bench/run.sh
