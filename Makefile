# ebmflow: two commands do everything on a fresh Debian 12 machine.
#   make demo   install what is missing, build in release, run the default
#               scenario into out/demo and render its plots
#   make test   install what is missing, run the whole test suite
#   make bench  release build, then ebmflow against scipy, scikit-sundae and
#               the previous release on the same problems (bench/run.py;
#               writes bench/results.md and the work-precision diagrams
#               docs/work-precision-*.png)
#   make install    release build, then PREFIX/bin/ebmflow and the gnuplot
#                   scripts in PREFIX/share/ebmflow/plots (PREFIX=/usr/local;
#                   DESTDIR is honoured); make uninstall removes them
#   make docs-check release build, then every command output quoted in
#                   README.md and docs/ is run and compared (scripts/docs-check)
SWIFT    ?= swift
APT_DEPS := libsundials-dev liblapacke-dev libopenblas-dev gnuplot-nox libopenmpi-dev openmpi-bin pkg-config
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE  := .build/release/ebmflow
DEMO_OUT := out/demo
BENCH_VENV := bench/.venv
BENCH_PACKAGES := numpy scipy scikit-sundae threadpoolctl
PREFIX   ?= /usr/local
DESTDIR  ?=

.PHONY: all deps build release test demo plots bench clean install uninstall docs-check

all: release

# Installs the Debian packages that are not installed yet (apt-get update
# first: a fresh machine has no package lists).
deps:
	@missing=""; \
	for p in $(APT_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product ebmflow

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test
	bash Tests/scenarios.sh .build/debug/ebmflow
	bash Tests/install.sh
	bash Tests/layers.sh

demo: release
	$(RELEASE) run --output $(DEMO_OUT) --force
	$(RELEASE) plot $(DEMO_OUT)
	@echo "demo results and plots in $(DEMO_OUT)/"

# The peers run in a virtual environment under bench/ (git-ignored) with
# numpy, scipy and scikit-sundae from PyPI, installed on first use.
$(BENCH_VENV)/.installed:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet $(BENCH_PACKAGES)
	touch $@

# The goals' ratios are measured again with the runs interleaved (ebmflow
# and each peer alternating, best of each): one pass of run.py meets the
# load of a shared machine at different moments for different solvers.
bench: release $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python bench/run.py --ebmflow $(RELEASE) --work-precision
	$(BENCH_VENV)/bin/python bench/recheck.py rbm-n12 --peers sksundae-cvode-jac scipy-BDF --rounds 5 --ebmflow $(RELEASE) >> bench/results.md
	$(BENCH_VENV)/bin/python bench/recheck.py rbm-n16 --peers sksundae-cvode-jac --rounds 2 --ebmflow $(RELEASE) >> bench/results.md
	python3 bench/enumeration.py --ebmflow $(RELEASE)
	python3 bench/basins.py --ebmflow $(RELEASE)

# `ebmflow plot` finds the scripts in ../share/ebmflow/plots beside its own
# executable, so an installed binary renders plots from any folder.
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ebmflow/plots
	install -m 755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/ebmflow
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/ebmflow/plots/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ebmflow
	rm -rf $(DESTDIR)$(PREFIX)/share/ebmflow

docs-check: release
	python3 scripts/docs-check --binary $(RELEASE)

clean:
	rm -rf .build out bench/out
