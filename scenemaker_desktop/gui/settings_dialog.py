"""Keys, storage, parallel jobs and theme.

Key fields start empty: a stored key is never shown, not even masked, so a
masked field can never be saved back over the real key. Only what the user
types replaces a key; "Remove" deletes it. Keyring and disk work runs on the
worker pool; the dialog only shows where each key lives and what a test said.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.connection import ConnectionCheck
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.secrets import SERVICES, KeyInfo, KeySource, service_named
from scenemaker_desktop.engine.settings import Settings
from scenemaker_desktop.gui.theme import THEMES
from scenemaker_desktop.gui.widgets import label, section_title, set_state
from scenemaker_desktop.gui.worker import TaskRunner, user_message

OPENAI_MODELS = ("gpt-4.1-mini", "gpt-4.1", "gpt-4o-mini", "gpt-4o")


def where_text(info: KeyInfo) -> str:
    if info.source is KeySource.ENVIRONMENT:
        return f"From the {info.where} (it overrides anything saved here)"
    if info.source is KeySource.NONE:
        return "Not set"
    return f"Stored in the {info.where}" if info.source is KeySource.KEYRING else f"In {info.where}"


class KeyRow(QWidget):
    """One service's key: a masked entry, where the key lives, Test and Remove."""

    test_requested = Signal(str)

    def __init__(self, service: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.remove_requested = False
        self.info: KeyInfo | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setObjectName(f"{service}_key")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMinimumWidth(280)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(lambda: self.test_requested.emit(service))
        row.addWidget(self.field, 1)
        row.addWidget(self.test_button)
        column.addLayout(row)
        status = QHBoxLayout()
        self.where = label("Checking…", "hint", wrap=True)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("flat")
        self.remove_button.clicked.connect(self._remove)
        status.addWidget(self.where, 1)
        status.addWidget(self.remove_button)
        column.addLayout(status)
        self.result = label("", "hint", wrap=True)
        self.result.hide()
        column.addWidget(self.result)

    def show_info(self, info: KeyInfo) -> None:
        self.info = info
        self.where.setText(where_text(info))
        stored = info.source in (KeySource.KEYRING, KeySource.FILE)
        self.remove_button.setVisible(stored)
        if info.source is KeySource.ENVIRONMENT:
            self.field.setPlaceholderText("Set by the environment")
        elif info.configured:
            self.field.setPlaceholderText("Saved — type a new key to replace it")
        else:
            self.field.setPlaceholderText(f"Paste your {service_named(self.service).key_label}")

    def typed_key(self) -> str | None:
        """What the user typed, or None to keep the stored key as it is."""
        text = self.field.text().strip()
        return text or None

    def _remove(self) -> None:
        self.remove_requested = True
        self.field.clear()
        self.field.setPlaceholderText("Will be removed when you save")
        self.remove_button.hide()

    def show_result(self, check: ConnectionCheck | str, ok: bool | None = None) -> None:
        message = check if isinstance(check, str) else check.message
        ok = ok if isinstance(check, str) else check.ok
        self.result.setText(message)
        self.result.setObjectName({True: "ok", False: "error"}.get(ok, "hint"))
        set_state(self.result, "ok", ok)
        self.result.show()


class SettingsDialog(QDialog):
    saved = Signal(object)
    """The Settings the engine now works by, after keys and settings reached the disk."""

    def __init__(self, engine: Engine, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self.engine, self.tasks = engine, tasks
        self.keys = {service.id: KeyRow(service.id) for service in SERVICES}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(label("Settings", "pageTitle"))
        layout.addWidget(section_title("Services"))
        layout.addLayout(self._services_form())
        layout.addSpacing(8)
        layout.addWidget(section_title("Storage & jobs"))
        layout.addLayout(self._storage_form())
        layout.addSpacing(8)
        layout.addWidget(section_title("Appearance"))
        layout.addLayout(self._appearance_form())
        self.error = label("", "error", wrap=True)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self._buttons())
        for row in self.keys.values():
            row.test_requested.connect(self._test)
        self._load_key_info()

    # -- layout ------------------------------------------------------------------------

    @staticmethod
    def _form() -> QFormLayout:
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return form

    def _caption(self, text: str) -> QLabel:
        caption = label(text, "muted")
        caption.setMinimumWidth(120)
        caption.setContentsMargins(0, 6, 0, 0)
        return caption

    def _services_form(self) -> QFormLayout:
        form = self._form()
        for service in SERVICES:
            form.addRow(self._caption(service.key_label), self.keys[service.id])
        self.openai_model = QComboBox()
        self.openai_model.setEditable(True)
        self.openai_model.addItems(OPENAI_MODELS)
        self.openai_model.setCurrentText(self.engine.settings.openai_model)
        self.openai_model.setToolTip("The OpenAI model used for image analysis and prompts")
        form.addRow(self._caption("OpenAI model"), self.openai_model)
        return form

    def _storage_form(self) -> QFormLayout:
        form = self._form()
        folder_row = QHBoxLayout()
        self.sessions_dir = QLineEdit(self.engine.settings.sessions_dir)
        self.sessions_dir.setPlaceholderText(str(self.engine.sessions_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.sessions_dir, 1)
        folder_row.addWidget(browse)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(folder_row)
        pinned = self.engine.paths.pinned_sessions_dir()
        if pinned is not None:
            note = f"{pinned[0]} is set, so sessions stay in {pinned[1]}"
            column.addWidget(label(note, "hint", wrap=True))
            self.sessions_dir.setEnabled(False)
            browse.setEnabled(False)
        form.addRow(self._caption("Sessions folder"), holder)
        self.parallel = QSpinBox()
        self.parallel.setRange(1, 8)
        self.parallel.setValue(self.engine.settings.parallel_jobs)
        self.parallel.setToolTip("How many sessions generate at the same time")
        self.parallel.setFixedWidth(90)
        form.addRow(self._caption("Parallel jobs"), self.parallel)
        self.confirm_spending = QCheckBox("Ask before cancelling, resuming or quitting paid jobs")
        self.confirm_spending.setChecked(self.engine.settings.confirm_spending)
        self.confirm_spending.setToolTip("Each question says what was paid and what comes next")
        form.addRow(self._caption("Paid jobs"), self.confirm_spending)
        return form

    def _appearance_form(self) -> QFormLayout:
        form = self._form()
        self.theme = QComboBox()
        for name in THEMES:
            self.theme.addItem(name.capitalize(), name)
        self.theme.setCurrentIndex(max(0, self.theme.findData(self.engine.settings.theme)))
        self.theme.setFixedWidth(160)
        form.addRow(self._caption("Theme"), self.theme)
        return form

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("primary")
        for button in box.buttons():
            button.setIcon(QIcon())  # some platform themes add stock icons; keep buttons plain
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        return box

    # -- work --------------------------------------------------------------------------

    def _load_key_info(self) -> None:
        engine, services = self.engine, list(self.keys)
        self.tasks.submit(
            lambda: {service: engine.key_info(service) for service in services},
            self._show_key_info,
        )

    def _show_key_info(self, infos: dict[str, KeyInfo]) -> None:
        for service, info in infos.items():
            self.keys[service].show_info(info)

    def _browse(self) -> None:
        start = self.sessions_dir.text() or str(self.engine.sessions_dir)
        folder = QFileDialog.getExistingDirectory(self, "Sessions folder", start)
        if folder:
            self.sessions_dir.setText(folder)

    def _test(self, service: str) -> None:
        row = self.keys[service]
        typed, engine = row.typed_key(), self.engine
        row.show_result("Testing…", None)
        row.test_button.setEnabled(False)

        def done(check: ConnectionCheck) -> None:
            row.test_button.setEnabled(True)
            row.show_result(check)

        model = self.openai_model.currentText().strip() or None
        self.tasks.submit(lambda: engine.check_connection(service, typed, model), done)

    def new_settings(self) -> Settings:
        return dataclasses.replace(
            self.engine.settings,
            openai_model=self.openai_model.currentText().strip() or OPENAI_MODELS[0],
            sessions_dir=self.sessions_dir.text().strip(),
            parallel_jobs=self.parallel.value(),
            confirm_spending=self.confirm_spending.isChecked(),
            theme=str(self.theme.currentData()),
        )

    def save(self) -> None:
        settings = self.new_settings()
        typed = {s: row.typed_key() for s, row in self.keys.items()}
        removed = [s for s, row in self.keys.items() if row.remove_requested and not typed[s]]
        engine = self.engine

        def work() -> Settings:
            for service, value in typed.items():
                if value:
                    engine.store_key(service, value)
            for service in removed:
                engine.delete_key(service)
            engine.apply_settings(settings)
            return settings

        self.save_button.setEnabled(False)
        self.tasks.submit(work, self._saved, self._failed)

    def _saved(self, settings: Settings) -> None:
        for row in self.keys.values():
            row.field.clear()
        self.saved.emit(settings)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(user_message(error))
        self.error.show()
