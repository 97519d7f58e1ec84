"""Small Qt models over what the engine reports; views get these, never the session."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor_app.ui.models.advisor import AdvisorModel
from advisor_app.ui.models.chat import ChatModel
from advisor_app.ui.models.consultation import ConsultationModel
from advisor_app.ui.models.documents import DocumentsModel
from advisor_app.ui.models.tables import InboxModel, QueueModel
from advisor_app.ui.runtime.events import EventStream


@dataclass
class Models:
    advisor: AdvisorModel = field(default_factory=AdvisorModel)
    queue: QueueModel = field(default_factory=QueueModel)
    inbox: InboxModel = field(default_factory=InboxModel)
    consultation: ConsultationModel = field(default_factory=ConsultationModel)
    chat: ChatModel = field(default_factory=ChatModel)
    documents: DocumentsModel = field(default_factory=DocumentsModel)

    def listen_to(self, events: EventStream) -> None:
        for model in (
            self.advisor,
            self.queue,
            self.inbox,
            self.consultation,
            self.chat,
            self.documents,
        ):
            events.subscribe(model)


__all__ = [
    "AdvisorModel",
    "ChatModel",
    "ConsultationModel",
    "DocumentsModel",
    "InboxModel",
    "Models",
    "QueueModel",
]
