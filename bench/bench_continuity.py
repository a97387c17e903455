"""Colour drift and seam smoothness over long chains, quality preservation on vs off.

A generator that drifts on purpose (tests/fakes/drifting_generator.py: every clip
warms the colour and raises the contrast by about 2.7 ΔE76 from its first frame
to its last, and sways the camera out and back) runs the real chain runner on
resources/sample_coast.jpg for 6 and 10 chains, with quality preservation on and
off, in one run. For each: the drift of the last seed sent on (ΔE76 of its mean
Lab colour from the input image), the drift of the final frame, and the worst
seam (its jump over the median step inside the clips around it).

Targets: with preservation on after 10 chains, last seed ΔE ≤ 3 and worst seam ≤ 1.5.

Run: .venv/bin/python bench/bench_continuity.py [--chains 6 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the drifting generator lives with the test fakes

from scenemaker_desktop.engine.catalog import build_request  # noqa: E402
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices  # noqa: E402
from scenemaker_desktop.engine.sessions.intake import create_session  # noqa: E402
from scenemaker_desktop.engine.sessions.model import Session  # noqa: E402
from scenemaker_desktop.engine.sessions.store import SessionStore  # noqa: E402
from scenemaker_desktop.engine.vision.service import Vision  # noqa: E402
from tests.fakes.drifting_generator import DriftingGenerator  # noqa: E402

IMAGE = REPO / "resources" / "sample_coast.jpg"
MAX_DRIFT, MAX_SEAM = 3.0, 1.5


def run_session(folder: Path, chains: int, preserve: bool) -> tuple[Session, float]:
    store = SessionStore(folder)
    request = build_request(
        "wan", "the camera sways by the sea", chains, {"quality_preservation": preserve}
    )
    session = create_session(store, IMAGE, request)
    services = RunnerServices(DriftingGenerator(), Vision())
    started = time.perf_counter()
    done = ChainRunner(store, lambda r: services).run(session.id)
    return done, time.perf_counter() - started


def report(chains: int, preserve: bool, session: Session, seconds: float) -> bool:
    seeds = [c.continuity.drift for c in session.chains[:-1]]
    seams = [c.continuity.seam_jump for c in session.chains[:-1]]
    last_seed, worst_seam = seeds[-1] or 0.0, max(s or 0.0 for s in seams)
    end = session.chains[-1].continuity.drift_raw or 0.0
    print(
        f"{chains:>6} {'on' if preserve else 'off':>12} {last_seed:>14.2f} {end:>15.2f} "
        f"{worst_seam:>11.2f} {seconds:>8.1f}"
    )
    return last_seed <= MAX_DRIFT and worst_seam <= MAX_SEAM


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, nargs="+", default=[6, 10])
    args = parser.parse_args()
    print(f"{'chains':>6} {'preservation':>12} {'last seed ΔE':>14} {'final frame ΔE':>15} "
          f"{'worst seam':>11} {'time s':>8}")  # fmt: skip
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="bench-continuity-") as tmp:
        for chains in args.chains:
            for preserve in (True, False):
                session, seconds = run_session(Path(tmp) / f"{chains}-{preserve}", chains, preserve)
                if session.status.value != "completed":
                    print(f"session ended {session.status.value}: {session.error}")
                    return 1
                met = report(chains, preserve, session, seconds)
                if preserve and chains == max(args.chains):
                    verdicts.append(met)
    passed = all(verdicts)
    print(f"target (preservation on, {max(args.chains)} chains: last seed ΔE ≤ {MAX_DRIFT}, "
          f"worst seam ≤ {MAX_SEAM}): {'met' if passed else 'NOT met'}")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
