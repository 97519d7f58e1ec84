"""The advisor's own state as the hub has it: the link to the hub and the presence."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from advisor_app.ui.runtime.events import LinkChanged, PresenceChanged


class AdvisorModel(QObject):
    link_changed = Signal(str)  # core.hub_client.LinkState's value
    presence_changed = Signal(str)

    def __init__(self, display_name: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.display_name = display_name
        self.link_state = "offline"
        self.presence: str | None = None  # None: the hub has not said yet

    def _on_link_changed(self, event: LinkChanged) -> None:
        self.link_state = event.state
        self.link_changed.emit(event.state)

    def _on_presence_changed(self, event: PresenceChanged) -> None:
        self.presence = event.presence
        self.presence_changed.emit(event.presence)
