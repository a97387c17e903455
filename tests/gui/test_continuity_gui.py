"""Continuity as the artist sees it: measures on the chain tiles, a flagged chain named under
the strip with "Regenerate from here", face steps offered only where they can run, and the
quality-vs-speed preset shown in the form before anything is generated."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from scenemaker_desktop.engine.catalog.seed_steps import FACE_ENHANCEMENT, FACE_SWAP
from scenemaker_desktop.engine.continuity.report import verdict_of
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.regenerate import REPLACED_DIR
from scenemaker_desktop.engine.sessions.store import SESSION_FILE
from tests.gui.helpers import WAIT_MS, jobs, stored_session


def _open(qtbot, window, session_id: str):
    window.show_sessions()
    browser = window.browser
    qtbot.waitUntil(lambda: browser.selected_id() == session_id, timeout=WAIT_MS)
    qtbot.mouseClick(browser.buttons["open"], Qt.MouseButton.LeftButton)
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.session_id == session_id, timeout=WAIT_MS)
    return preview


def _with_drift(engine, session_id: str, chain: int, drift: float) -> None:
    """As if chain ``chain``'s seed had drifted that far (what a flag is raised on)."""
    path = engine.session_folder(session_id) / SESSION_FILE
    data = json.loads(path.read_text())
    data["chains"][chain]["continuity"]["drift"] = drift
    path.write_text(json.dumps(data))


def test_tiles_show_what_was_measured_and_a_fine_session_raises_no_flag(qtbot, window, engine):
    session = engine.run_session(stored_session(engine, chains=2).id)

    preview = _open(qtbot, window, session.id)

    first = preview.strip.tiles[0]
    assert "ΔE" in first.toolTip() and "seam" in first.toolTip()
    assert first.text() == "Chain 1" and not preview.flags.isVisible()


def test_a_flagged_chain_is_named_and_regenerated_from_there(qtbot, window, engine):
    session = engine.run_session(stored_session(engine, chains=2).id)
    _with_drift(engine, session.id, 1, 8.5)
    preview = _open(qtbot, window, session.id)

    assert preview.strip.tiles[1].text() == "Chain 2 ⚑"
    assert preview.flags.isVisible()
    assert "Chain 2: colour drifted ΔE 8.5" in preview.flags.text.full_text()
    qtbot.mouseClick(preview.flags.button, Qt.MouseButton.LeftButton)  # Local: no question

    qtbot.waitUntil(lambda: bool(jobs(window)), timeout=WAIT_MS)
    job = jobs(window)[0]
    qtbot.waitUntil(lambda: job.status is SessionStatus.COMPLETED, timeout=WAIT_MS)
    again = engine.load_session(session.id)
    assert not verdict_of(again.chains[1].continuity).flagged
    assert list((engine.session_folder(session.id) / REPLACED_DIR).glob("*/chains/chain_02.mp4"))
    qtbot.waitUntil(lambda: not preview.flags.isVisible(), timeout=WAIT_MS)


def test_face_steps_are_offered_on_cloud_models_only_and_priced(window):
    model = window.studio_page.model
    restore = model.session_controls[FACE_ENHANCEMENT.key]
    swap = model.session_controls[FACE_SWAP.key]

    model.set_model("local")
    assert not restore.widget.isEnabled() and "choose a cloud model" in restore.widget.toolTip()
    model.set_model("wan")
    assert restore.widget.isEnabled() and swap.widget.isEnabled()
    model.session_controls["chains"].set_value(3)
    before = model.cost.text()
    restore.widget.click()
    swap.widget.click()
    faces = 2 * (FACE_ENHANCEMENT.price_usd + FACE_SWAP.price_usd)
    assert "faces $" + f"{faces:.2f}" in model.cost_detail.text()
    assert float(model.cost.text().strip("$")) > float(before.strip("$"))
    model.set_model("local")
    assert not restore.value() and not swap.value()  # nothing to pay for on Local Preview


def test_the_quality_preset_shows_its_values_in_the_form(window):
    model = window.studio_page.model
    model.set_model("wan")
    quality = model.session_controls["quality_vs_speed"].widget

    quality.setCurrentIndex(quality.findData("Speed"))
    assert model.form.controls["num_inference_steps"].value() == 20
    assert model.form.controls["resolution"].value() == "480p"
    assert model.session_controls["seam"].value() == "fast"
    quality.setCurrentIndex(quality.findData("Balanced"))
    assert model.form.controls["num_inference_steps"].value() == 30
    assert model.session_controls["seam"].value() == "exact"
