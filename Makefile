# One command to run the app, one to run the tests; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Qt (xcb + offscreen), QtMultimedia (libpulse0), fonts, and Xvfb for screenshots.
APT_PACKAGES := libpulse0 fonts-dejavu-core libegl1 libgl1 libopengl0 libxkbcommon0 \
	libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
	libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
	libdbus-1-3 libfontconfig1 libglib2.0-0 xvfb xauth binutils

.PHONY: run test lint bench screenshots dist package package-check system-deps venv clean

run: system-deps venv
	$(BIN)/scenemaker gui

test: system-deps venv
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/python bench/bench_local_render.py
	$(BIN)/python bench/bench_assembly.py
	$(BIN)/python bench/bench_postprocess.py
	$(BIN)/python bench/bench_continuity.py
	$(BIN)/python bench/bench_gui_stall.py
	$(BIN)/python bench/bench_gui_startup.py
	$(BIN)/python bench/bench_api.py

screenshots: system-deps venv
	xvfb-run -a -s "-screen 0 1920x1200x24" $(BIN)/python tools/screenshots.py

# The wheel and the sdist, as a packager builds them (an isolated build, from this tree).
dist: venv
	rm -f dist/*.whl dist/*.tar.gz
	$(BIN)/python -m build --outdir dist .
	@ls -l dist/*.whl dist/*.tar.gz

package: system-deps venv
	rm -rf build/build dist/SceneMaker
	$(BIN)/pyinstaller build.spec --noconfirm --clean
	@du -sh dist/SceneMaker

package-check: package
	$(BIN)/python tools/package_check.py dist/SceneMaker

system-deps:
	@bash tools/system_deps.sh $(APT_PACKAGES)

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
