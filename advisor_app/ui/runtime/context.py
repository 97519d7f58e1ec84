"""What a signed-in advisor's views are given: the event stream, the actions, the models, and
a few facts of the machine. Built by the workstation at sign-in; a test builds one with a
stand-in actions object to show a view alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from advisor_app.ui.models import Models
from advisor_app.ui.runtime.actions import Actions
from advisor_app.ui.runtime.events import EventStream


@dataclass
class ViewContext:
    events: EventStream
    actions: Actions
    models: Models = field(default_factory=Models)
    document_library: Path | None = None  # the folder the document pane offers
    # A camera or microphone missing (a test picture or tone in its place), by device name.
    device_notices: tuple[str, ...] = ()
    processing_unavailable: bool = False  # the microphone goes out unprocessed
    bank_name: str = ""  # IT's branding, in the window title

    def __post_init__(self) -> None:
        self.models.listen_to(self.events)
