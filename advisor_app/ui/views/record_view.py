"""The customer's record as the hub made it: a preview of its pages and "save as".

The PDF's bytes live only in memory: nothing is written to disk except by Save, and the dialog
drops them (and the drawn pages) when it closes. Pages are drawn with pymupdf on a worker thread
started from the engine loop (as ``Workstation._blocking`` does), never on the UI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDir, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from advisor_app.ui.plain import plain_label
from advisor_app.ui.problems import describe_file_error, describe_unexpected
from advisor_app.ui.runtime.actions import Actions
from advisor_app.ui.runtime.event_loop import async_slot, wait_dialog

PAGE_GAP = 12
MAX_PAGE_WIDTH = 1000  # pixels the pages are drawn at, at most (before the device ratio)

# A drawn page: RGB pixels, width, height, bytes per line.
Drawn = tuple[bytes, int, int, int]


def record_file_name(reference: str) -> str:
    """The default file name of a saved record."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in reference).strip("-.")
    return f"Beratungsprotokoll-{safe or 'Beratung'}.pdf"


def draw_pages(pdf: bytes, width: int) -> list[Drawn]:
    """Blocking: every page of the PDF drawn ``width`` pixels wide (on a worker thread)."""
    import pymupdf

    drawn: list[Drawn] = []
    with pymupdf.open("pdf", pdf) as document:
        for page in document:
            zoom = width / max(1.0, page.rect.width)
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
            drawn.append((bytes(pixmap.samples), pixmap.width, pixmap.height, pixmap.stride))
    return drawn


async def ask_and_save(
    parent: QWidget, actions: Actions, pdf: bytes, file_name: str
) -> Path | None:
    """Ask where (save-as, window-modal, without nesting an event loop), then write the PDF
    there on a worker thread. None if the advisor cancelled."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if not folder or not QDir(folder).exists():
        folder = str(Path.home())
    dialog = QFileDialog(
        parent,
        QCoreApplication.translate("RecordDialog", "Save record"),
        str(Path(folder) / file_name) if folder else file_name,
        QCoreApplication.translate("RecordDialog", "PDF documents (*.pdf)"),
    )
    dialog.setObjectName("record-save-dialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix("pdf")
    dialog.selectFile(file_name)
    try:
        accepted = await wait_dialog(dialog) == QDialog.DialogCode.Accepted
        chosen = dialog.selectedFiles() if accepted else []
    finally:
        dialog.deleteLater()
    if not chosen:
        return None
    path = Path(chosen[0])
    await actions.run_blocking(path.write_bytes, pdf)
    return path


class RecordDialog(QDialog):
    """The record's pages, scrollable, with "Page 1 of 4", Save and Close."""

    def __init__(
        self,
        actions: Actions,
        pdf: bytes,
        reference: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._actions = actions
        self._pdf: bytes | None = pdf
        self.reference = reference
        self.saved_to: Path | None = None
        self.pages: list[QLabel] = []
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("Record %1").replace("%1", reference))
        self.setAccessibleName(self.tr("Record preview"))

        self.page_box = QWidget()
        self.page_box.setObjectName("record-pages")
        self.page_box.setStyleSheet("#record-pages { background: #d9dde1; }")
        self.page_layout = QVBoxLayout(self.page_box)
        self.page_layout.setSpacing(PAGE_GAP)
        self.page_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.page_box)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAccessibleName(self.tr("Record pages"))
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.scroll_area.verticalScrollBar().valueChanged.connect(
            lambda _: self._update_page_label()
        )

        self.status = plain_label(self.tr("Drawing the pages …"))  # may quote an error
        self.status.setAccessibleName(self.tr("Record message"))
        self.page_label = plain_label()
        self.page_label.setAccessibleName(self.tr("Page"))
        self.previous_button = QPushButton(self.tr("&Previous page"))
        self.previous_button.setAccessibleName(self.tr("Previous page"))
        self.previous_button.clicked.connect(lambda: self.go_to(self.current_page() - 1))
        self.next_button = QPushButton(self.tr("&Next page"))
        self.next_button.setAccessibleName(self.tr("Next page"))
        self.next_button.clicked.connect(lambda: self.go_to(self.current_page() + 1))
        self.save_button = QPushButton(self.tr("&Save …"))
        self.save_button.setAccessibleName(self.tr("Save the record as a file"))
        self.save_button.clicked.connect(self._on_save_clicked)
        self.close_button = QPushButton(self.tr("&Close"))
        self.close_button.setAccessibleName(self.tr("Close the record preview"))
        self.close_button.clicked.connect(self.reject)
        self.save_button.setDefault(False)
        self.close_button.setAutoDefault(False)
        for button in (self.previous_button, self.next_button, self.save_button):
            button.setAutoDefault(False)
            button.setEnabled(False)

        bottom = QHBoxLayout()
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.page_label)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        bottom.addWidget(self.status)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(bottom)
        # Ctrl+S saves, as everywhere; Page Up/Down and the arrows scroll the pages.
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.activated.connect(self._on_save_clicked)

        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        if available is not None:
            self.resize(min(900, int(available.width() * 0.9)), int(available.height() * 0.9))
        else:
            self.resize(900, 700)
        self.scroll_area.setFocus()
        self._draw()

    @property
    def pdf(self) -> bytes | None:
        return self._pdf

    # --- pages ---

    @async_slot()
    async def _draw(self) -> None:
        pdf = self._pdf
        if pdf is None:
            return
        ratio = self.devicePixelRatioF()
        width = min(MAX_PAGE_WIDTH, max(400, self.width() - 60))
        try:
            drawn = await self._actions.run_blocking(draw_pages, pdf, int(width * ratio))
        except Exception as error:  # a damaged record: say it, Save still works
            self.status.setText(
                self.tr("The pages cannot be shown: %1").replace(
                    "%1", describe_unexpected(error, "drawing the record's pages")
                )
            )
            self.save_button.setEnabled(True)
            return
        if self._pdf is None:  # closed while drawing
            return
        for index, (data, w, h, stride) in enumerate(drawn):
            image = QImage(data, w, h, stride, QImage.Format.Format_RGB888).copy()
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label = QLabel()
            label.setPixmap(pixmap)
            label.setAccessibleName(self.tr("Page %1").replace("%1", str(index + 1)))
            label.setStyleSheet("background: white; border: 1px solid #9aa3ab;")
            self.page_layout.addWidget(label)
            self.pages.append(label)
        self.status.clear()
        for button in (self.previous_button, self.next_button, self.save_button):
            button.setEnabled(True)
        self.page_layout.activate()  # the pages' places, for "Page 1 of 4"
        self._update_page_label()
        QTimer.singleShot(0, self._update_page_label)

    def current_page(self) -> int:
        """The page at the top of the view (0-based)."""
        top = self.scroll_area.verticalScrollBar().value() + PAGE_GAP
        current = 0
        for index, label in enumerate(self.pages):
            if label.y() <= top + self.scroll_area.viewport().height() // 3:
                current = index
        return current

    def go_to(self, index: int) -> None:
        if not self.pages:
            return
        index = max(0, min(index, len(self.pages) - 1))
        self.scroll_area.verticalScrollBar().setValue(self.pages[index].y() - PAGE_GAP // 2)
        self._update_page_label()

    def _update_page_label(self) -> None:
        count = len(self.pages)
        if count == 0:
            self.page_label.clear()
            return
        current = self.current_page()
        self.page_label.setText(self.tr("Page %1 of %n", "", count).replace("%1", str(current + 1)))
        self.previous_button.setEnabled(current > 0)
        self.next_button.setEnabled(current < count - 1)

    # --- saving and closing ---

    @async_slot()
    async def _on_save_clicked(self) -> None:
        pdf = self._pdf
        if pdf is None:
            return
        try:
            path = await ask_and_save(self, self._actions, pdf, record_file_name(self.reference))
        except OSError as error:
            self.status.setText(self.tr("Not saved: %1").replace("%1", describe_file_error(error)))
            return
        if path is not None:
            self.saved_to = path
            self.status.setText(self.tr("Saved as %1").replace("%1", path.name))

    def _drop(self) -> None:
        """The record goes with the dialog: bytes and drawn pages."""
        self._pdf = None
        for label in self.pages:
            label.clear()
        self.pages.clear()

    def done(self, result: int) -> None:
        self._drop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._drop()
        super().closeEvent(event)
