"""The advisor's document pane: open a PDF or an image (dialog, drag and drop, library),
thumbnails, pages, zoom, the marking tools, and "share with customer"."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeySequence,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core.documents import ShareState
from advisor_app.documents.render import SUPPORTED_SUFFIXES, DocumentError, DocumentProblem
from advisor_app.protocol.documents import Mark
from advisor_app.ui.models import DocumentsModel
from advisor_app.ui.plain import plain_label
from advisor_app.ui.runtime.actions import DocumentActions, DocumentsClosed
from advisor_app.ui.runtime.event_loop import async_slot, wait_dialog
from advisor_app.ui.style import icon, repolish, tool_icon
from advisor_app.ui.views.document_canvas import DocumentCanvas, Tool

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 110
PREVIEW_WIDTH = 360
THUMBNAIL_CELL = QSize(THUMBNAIL_WIDTH + 12, int(THUMBNAIL_WIDTH * 1.42) + 26)


class DocumentPane(QWidget):
    def __init__(
        self,
        documents: DocumentActions,
        model: DocumentsModel,
        library: Path | None,
        consultation_id: int,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._documents = documents  # this consultation's; dropped with it
        self.consultation_id = consultation_id  # the consultation whose documents this shows
        self._library = library
        self._render_generation = 0  # page renders: a newer one supersedes
        self._document_generation = 0  # thumbnails: only a newly opened document supersedes
        self.setAcceptDrops(True)
        self.setAccessibleName(self.tr("Documents"))

        self.toolbar = QToolBar(self.tr("Document tools"))
        self.toolbar.setObjectName("document-toolbar")
        self.toolbar.setIconSize(QSize(20, 20))
        self.open_action = self._action(
            self.tr("&Open …"), QKeySequence.StandardKey.Open, self._on_open_clicked
        )
        self.library_box = QComboBox()
        self.library_box.setAccessibleName(self.tr("Document library"))
        self.library_box.addItem(self.tr("Library …"), "")
        for path in sorted(library.iterdir()) if library and library.is_dir() else []:
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                self.library_box.addItem(path.name, str(path))
        self.library_box.activated.connect(self._on_library_chosen)
        self.toolbar.addWidget(self.library_box)
        self.previous_action = self._action(
            self.tr("Previous page"), QKeySequence(Qt.Key.Key_PageUp), self._on_previous
        )
        self.page_label = plain_label()
        self.page_label.setAccessibleName(self.tr("Page"))
        self.toolbar.addWidget(self.page_label)
        self.next_action = self._action(
            self.tr("Next page"), QKeySequence(Qt.Key.Key_PageDown), self._on_next
        )
        self.zoom_box = QComboBox()
        self.zoom_box.setAccessibleName(self.tr("Zoom"))
        self.zoom_box.addItem(self.tr("Fit width"), None)
        self.zoom_box.addItem(self.tr("Fit page"), 0.0)
        for factor in (0.5, 0.75, 1.0, 1.5, 2.0):
            self.zoom_box.addItem(f"{factor:.0%}", factor)
        self.zoom_box.currentIndexChanged.connect(self._on_zoom_chosen)
        self.toolbar.addWidget(self.zoom_box)
        self.share_action = self._action(
            self.tr("Share with customer"), QKeySequence("Ctrl+Shift+S"), self._on_share_toggled
        )
        self.share_action.setCheckable(True)
        self.share_action.setObjectName("share")
        for action, name in (
            (self.open_action, "DialogOpenButton"),
            (self.previous_action, "ArrowLeft"),
            (self.next_action, "ArrowRight"),
            (self.share_action, "DesktopIcon"),
        ):
            action.setIcon(icon(self, name))
            action.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")
        share_button = self.toolbar.widgetForAction(self.share_action)
        assert isinstance(share_button, QToolButton)
        share_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self.tools = tools = QToolBar(self.tr("Marking tools"))
        tools.setObjectName("marking-toolbar")
        tools.setIconSize(QSize(20, 20))
        self.tool_group = QActionGroup(self)
        self.tool_actions: dict[Tool, QAction] = {}
        for tool, text, key in (
            (Tool.POINTER, self.tr("Pointer"), "P"),
            (Tool.PEN, self.tr("Pen"), "D"),
            (Tool.HIGHLIGHTER, self.tr("Highlighter"), "H"),
            (Tool.PIN, self.tr("Numbered pin"), "N"),
            (Tool.ERASER, self.tr("Eraser"), "E"),
        ):
            action = QAction(tool_icon(str(tool)), text, self)
            action.setToolTip(f"{text} ({key})")
            action.setShortcut(QKeySequence(key))
            # Only while the document pane has focus: letters typed in the chat stay text.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, t=tool: self._choose_tool(t))
            self.tool_group.addAction(action)
            tools.addAction(action)
            self.tool_actions[tool] = action
        self.tool_actions[Tool.POINTER].setChecked(True)
        self.colour_box = QComboBox()
        self.colour_box.setAccessibleName(self.tr("Colour"))
        for name, colour in (
            (self.tr("Red"), "#c0392b"),
            (self.tr("Blue"), "#1f5fbf"),
            (self.tr("Green"), "#1e8449"),
            (self.tr("Black"), "#111111"),
            (self.tr("Yellow"), "#ffd400"),
        ):
            self.colour_box.addItem(name, colour)
        self.colour_box.currentIndexChanged.connect(self._on_colour_chosen)
        tools.addWidget(self.colour_box)
        self.width_box = QComboBox()
        self.width_box.setAccessibleName(self.tr("Line width"))
        for name, width in (
            (self.tr("Thin"), 0.002),
            (self.tr("Medium"), 0.004),
            (self.tr("Thick"), 0.008),
        ):
            self.width_box.addItem(name, width)
        self.width_box.setCurrentIndex(1)
        self.width_box.currentIndexChanged.connect(self._on_width_chosen)
        tools.addWidget(self.width_box)
        self.pin_label = QLineEdit()
        self.pin_label.setPlaceholderText(self.tr("Pin label (optional)"))
        self.pin_label.setAccessibleName(self.tr("Label for the next pin"))
        self.pin_label.setMaxLength(40)
        self.pin_label.setMinimumWidth(110)
        self.pin_label.setMaximumWidth(180)
        tools.addWidget(self.pin_label)
        self.undo_action = QAction(self.tr("Undo"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(lambda: documents.undo())
        self.redo_action = QAction(self.tr("Redo"), self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(lambda: documents.redo())
        self.clear_action = QAction(self.tr("Clear page"), self)
        self.clear_action.setShortcut(QKeySequence("Ctrl+Shift+Del"))
        self.clear_action.triggered.connect(lambda: documents.clear())
        for action, name in (
            (self.undo_action, "ArrowBack"),
            (self.redo_action, "ArrowForward"),
            (self.clear_action, "DialogResetButton"),
        ):
            action.setIcon(icon(self, name))
            action.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            tools.addAction(action)
        for bar in (self.toolbar, tools):
            for button in bar.findChildren(QToolButton):
                if button.defaultAction() is not None:
                    button.setAccessibleName(button.defaultAction().text().replace("&", ""))
                    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable with Tab

        self.thumbnails = QListWidget()
        self.thumbnails.setAccessibleName(self.tr("Pages"))
        self.thumbnails.setIconSize(QSize(THUMBNAIL_WIDTH, int(THUMBNAIL_WIDTH * 1.42)))
        self.thumbnails.setFixedWidth(THUMBNAIL_WIDTH + 36)
        self.thumbnails.setGridSize(THUMBNAIL_CELL)
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbnails.setWrapping(False)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.currentRowChanged.connect(self._on_thumbnail_chosen)
        self.canvas = DocumentCanvas()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setAccessibleName(self.tr("Document view"))
        self.status = plain_label()  # a PDF's title, a file name: as they are
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Document message"))

        # The stage: framed in the sharing colour, with a label on it, while the customer sees it.
        self.stage = QFrame()
        self.stage.setObjectName("stage")
        self.stage.setProperty("sharing", False)
        self.sharing_banner = QLabel(self.tr("The customer sees this page"))
        self.sharing_banner.setObjectName("sharing-banner")
        self.sharing_banner.setAccessibleName(self.tr("Sharing"))
        self.sharing_banner.hide()
        stage_layout = QVBoxLayout(self.stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.setSpacing(0)
        stage_layout.addWidget(self.sharing_banner)
        stage_layout.addWidget(self.scroll_area, 1)

        pages = QHBoxLayout()
        pages.setSpacing(4)
        pages.addWidget(self.thumbnails)
        pages.addWidget(self.stage, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        layout.addLayout(top)
        layout.addWidget(tools)
        layout.addLayout(pages, 1)
        layout.addWidget(self.status)

        # Marks are handed over and forgotten: drawing never waits for the engine.
        self.canvas.stroke_started.connect(documents.begin_stroke)
        self.canvas.stroke_extended.connect(documents.extend_stroke)
        self.canvas.pin_placed.connect(self._on_pin_placed)
        self.canvas.mark_erased.connect(documents.erase)
        self.canvas.pointer_moved.connect(documents.pointer)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._rerender)
        model.share_changed.connect(self._on_share_changed)
        model.marks_changed.connect(self._on_marks_changed)
        self._state: ShareState | None = None
        self.closed = False  # the consultation ended: its documents are gone
        self._update_controls()

    def _action(
        self, text: str, key: QKeySequence | QKeySequence.StandardKey, slot: object
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        self.addAction(action)
        return action

    # --- opening ---

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(
            Path(url.toLocalFile()).suffix.lower() in SUPPORTED_SUFFIXES
            for url in event.mimeData().urls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                self.open_path_soon(path)
                break

    def _on_open_clicked(self) -> None:
        folder = str(self._library) if self._library else ""
        patterns = " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open document"),
            folder,
            self.tr("Documents and images (%1)").replace("%1", patterns),
        )
        if path:
            self.open_path_soon(Path(path))

    def _on_library_chosen(self, index: int) -> None:
        path = self.library_box.itemData(index)
        if path:
            self.open_path_soon(Path(path))
        self.library_box.setCurrentIndex(0)

    def open_path_soon(self, path: Path) -> None:
        self._open(path)  # an asyncSlot: returns at once

    @async_slot(object)
    async def _open(self, path: Path) -> None:
        await self._open_now(path)

    async def _open_now(self, path: Path, password: str | None = None) -> None:
        if self.closed:
            return
        self.status.setText(self.tr("Opening %1 …").replace("%1", path.name))
        try:
            info = await self._documents.open(path, password)
        except DocumentsClosed:
            return
        except DocumentError as error:
            if self.closed:
                return
            if error.problem in (DocumentProblem.NEEDS_PASSWORD, DocumentProblem.WRONG_PASSWORD):
                prompt = (
                    self.tr("This PDF is protected. Password:")
                    if error.problem == DocumentProblem.NEEDS_PASSWORD
                    else self.tr("Wrong password. Try again:")
                )
                dialog = QInputDialog(self)
                dialog.setWindowTitle(self.tr("Password"))
                dialog.setLabelText(prompt)
                dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
                ok = await wait_dialog(dialog) == QDialog.DialogCode.Accepted
                text = dialog.textValue()
                dialog.deleteLater()
                if ok and text:
                    await self._open_now(path, text)
                else:
                    self.status.setText(self.tr("Not opened: the password is needed."))
                return
            self.status.setText(self.describe(error))
            return
        if self.closed:
            return
        self.status.setText(
            self.tr("%1: %n page(s)", "", info.page_count).replace("%1", info.title)
        )
        width, _ = info.first_page_size
        self.canvas.base_width = width * (96 / 72) if not info.is_image else width
        self.canvas.aspect = info.first_page_size[0] / max(1.0, info.first_page_size[1])
        self._fill_thumbnails(info.page_count)
        await self._show(0)

    def describe(self, error: DocumentError) -> str:
        texts = {
            DocumentProblem.CORRUPT: self.tr(
                "The file is damaged or not a document this program can show."
            ),
            DocumentProblem.UNSUPPORTED: self.tr(
                "This kind of file cannot be shown. Use PDF, PNG, JPEG or SVG."
            ),
            DocumentProblem.TOO_LARGE: self.tr("The file is too large to show."),
            DocumentProblem.TIMEOUT: self.tr(
                "The page took too long to draw; it may be damaged or very complex."
            ),
            DocumentProblem.NO_SUCH_PAGE: self.tr("The document has no such page."),
            DocumentProblem.NEEDS_PASSWORD: self.tr("The PDF needs a password."),
            DocumentProblem.WRONG_PASSWORD: self.tr("Wrong password."),
        }
        if error.detail:  # the renderer's own words (English): for the log, not the screen
            logger.info("document not shown: %s: %s", error.problem, error.detail)
        return texts[error.problem]

    def _fill_thumbnails(self, count: int) -> None:
        self.thumbnails.blockSignals(True)
        self.thumbnails.clear()
        for index in range(count):
            item = QListWidgetItem(self.tr("Page %1").replace("%1", str(index + 1)))
            item.setSizeHint(THUMBNAIL_CELL)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.thumbnails.addItem(item)
        self.thumbnails.setCurrentRow(0)
        self.thumbnails.blockSignals(False)
        self._render_thumbnails(min(count, 60))  # the first ones; more would only cost time

    @async_slot(int)
    async def _render_thumbnails(self, count: int) -> None:
        self._document_generation += 1
        generation = self._document_generation
        for index in range(count):
            if self.closed or generation != self._document_generation:
                return
            try:
                page = await self._documents.render(index, THUMBNAIL_WIDTH)
            except DocumentsClosed:
                return
            except DocumentError:
                continue
            image = QImage(
                page.data, page.width, page.height, page.stride, QImage.Format.Format_RGB888
            )
            item = self.thumbnails.item(index)
            if item is not None:
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    # --- pages and zoom ---

    async def _show(self, index: int) -> None:
        if self.closed:
            return
        self._documents.show_page(index)
        self._render_generation += 1
        generation = self._render_generation
        self._layout_canvas()
        # A quick low-resolution picture first, then the sharp one.
        for width in (PREVIEW_WIDTH, self.canvas.needed_width()):
            try:
                page = await self._documents.render(index, width)
            except DocumentsClosed:
                return
            except DocumentError as error:
                self.status.setText(self.describe(error))
                return
            if generation != self._render_generation:
                return
            self.canvas.set_page(page.data, page.width, page.height, page.stride, page.aspect)
            self._layout_canvas()
        self._update_controls()

    def _layout_canvas(self) -> None:
        viewport = self.scroll_area.viewport().size()
        width, height = self.canvas.size_for(viewport.width(), viewport.height())
        self.canvas.resize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout_canvas()
        self._resize_timer.start()

    def _rerender(self) -> None:
        if self._state is not None and self._state.document is not None:
            self._reshow(self._state.page_index)

    @async_slot(int)
    async def _reshow(self, index: int) -> None:
        await self._show(index)

    def _on_zoom_chosen(self, _: int) -> None:
        self.canvas.zoom = self.zoom_box.currentData()
        self._layout_canvas()
        self._rerender()

    def _on_thumbnail_chosen(self, row: int) -> None:
        if row >= 0 and (self._state is None or row != self._state.page_index):
            self._reshow(row)

    def _on_previous(self) -> None:
        if self._state is not None and self._state.page_index > 0:
            self.thumbnails.setCurrentRow(self._state.page_index - 1)

    def _on_next(self) -> None:
        state = self._state
        if (
            state is not None
            and state.document
            and state.page_index < state.document.page_count - 1
        ):
            self.thumbnails.setCurrentRow(state.page_index + 1)

    # --- tools ---

    def choose_tool_named(self, name: str) -> None:
        """The last tool the advisor used (kept between consultations); unknown: Pointer."""
        try:
            tool = Tool(name)
        except ValueError:
            return
        self.tool_actions[tool].setChecked(True)
        self._choose_tool(tool)

    def _choose_tool(self, tool: Tool) -> None:
        self.canvas.tool = tool
        if tool == Tool.HIGHLIGHTER and self.colour_box.currentData() not in ("#ffd400",):
            self.canvas.colour = "#ffd400"
        else:
            self.canvas.colour = self.colour_box.currentData()

    def _on_width_chosen(self, _: int) -> None:
        self.canvas.width_fraction = self.width_box.currentData()

    def _on_colour_chosen(self, _: int) -> None:
        self.canvas.colour = self.colour_box.currentData()

    def _on_pin_placed(self, x: float, y: float) -> None:
        label = self.pin_label.text().strip()
        self.pin_label.clear()
        self._documents.add_pin(x, y, label)

    def _on_share_toggled(self, checked: bool) -> None:
        self._documents.set_sharing(checked)

    # --- from the core ---

    def show_closed(self) -> None:
        """The consultation has ended and its documents were closed: show that, nothing
        stale, and nothing to click."""
        if self.closed:
            return
        self.closed = True
        self._state = None
        self._render_generation += 1  # renders still under way are dropped
        self._document_generation += 1
        self.setAcceptDrops(False)
        self.canvas.clear_page()
        self.canvas.placeholder = self.tr("The consultation has ended; its documents were closed.")
        self.canvas.setEnabled(False)
        self.canvas.zoom = 0.0  # the note fits the view: no stale page-sized canvas
        self._layout_canvas()
        self.thumbnails.blockSignals(True)
        self.thumbnails.clear()
        self.thumbnails.blockSignals(False)
        self.thumbnails.setEnabled(False)
        self.share_action.blockSignals(True)
        self.share_action.setChecked(False)
        self.share_action.blockSignals(False)
        self._show_sharing(False)
        for bar in (self.toolbar, self.tools):
            bar.setEnabled(False)
        for action in self.actions():
            action.setEnabled(False)  # the shortcuts too
        self.pin_label.clear()
        self.page_label.setText(self.tr("No document"))
        self.status.setText(self.tr("The consultation has ended; its documents were closed."))

    def _on_share_changed(self, state: ShareState) -> None:
        if state.consultation_id != self.consultation_id or self.closed:
            return
        self._state = state
        self.share_action.blockSignals(True)
        self.share_action.setChecked(state.sharing)
        self.share_action.blockSignals(False)
        self._update_controls()

    def _on_marks_changed(self, page: int, marks: tuple[Mark, ...]) -> None:
        if self.closed:
            return
        if self._state is None or page == self._state.page_index:
            self.canvas.set_marks(marks)

    def _update_controls(self) -> None:
        if self.closed:
            return
        state = self._state
        has_document = state is not None and state.document is not None
        for action in (
            self.previous_action,
            self.next_action,
            self.share_action,
            self.clear_action,
        ):
            action.setEnabled(has_document)
        if state is not None and state.document is not None:
            self.page_label.setText(
                self.tr("Page %1 of %2")
                .replace("%1", str(state.page_index + 1))
                .replace("%2", str(state.document.page_count))
            )
            sharing = (
                self.tr("shared with the customer") if state.sharing else self.tr("not shared")
            )
            if state.sharing and not state.customer_connected:
                sharing = self.tr("shared, waiting for the customer's connection")
            self.share_action.setToolTip(sharing)
        else:
            self.page_label.setText(self.tr("No document"))
        self._show_sharing(state is not None and state.document is not None and state.sharing)

    def _show_sharing(self, sharing: bool) -> None:
        """The coloured frame and the label on the stage: the customer sees this page."""
        state = self._state
        if sharing and state is not None and not state.customer_connected:
            text = self.tr("shared, waiting for the customer's connection")
        else:
            text = self.tr("The customer sees this page")
        self.sharing_banner.setText(text)
        self.sharing_banner.setVisible(sharing)
        if self.stage.property("sharing") != sharing:
            self.stage.setProperty("sharing", sharing)
            repolish(self.stage)
