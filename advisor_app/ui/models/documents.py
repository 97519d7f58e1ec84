"""What the document stage shows: the share's state (document, page, shared or not, the
customer's view) and the marks on the current page."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from advisor_app.core.documents import ShareState
from advisor_app.protocol.documents import Mark
from advisor_app.ui.runtime.events import MarksChanged, ShareChanged


class DocumentsModel(QObject):
    share_changed = Signal(object)  # ShareState
    marks_changed = Signal(int, object)  # page, tuple[Mark, ...]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state: ShareState | None = None
        self.marks: tuple[int, tuple[Mark, ...]] | None = None

    def _on_share_changed(self, event: ShareChanged) -> None:
        self.state = event.state
        self.share_changed.emit(event.state)

    def _on_marks_changed(self, event: MarksChanged) -> None:
        self.marks = (event.page, event.marks)
        self.marks_changed.emit(event.page, event.marks)
