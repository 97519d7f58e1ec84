"""Messages left for the advisors when nobody can take a call (the inbox)."""

from __future__ import annotations

from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import offline_message, to_datetime
from advisor_app.hub.senders import SenderLimits
from advisor_app.hub.storage import AdvisorRecord
from advisor_app.protocol import rest, ws
from advisor_app.protocol.common import OfflineMessage
from advisor_app.protocol.errors import ErrorCode, ProtocolError


class Inbox:
    """Owns the written messages: taking one from a customer, listing, marking done."""

    def __init__(self, context: HubContext, senders: SenderLimits, notice_version: str) -> None:
        self._context = context
        self._senders = senders
        self._notice_version = notice_version

    async def leave(
        self, request: rest.LeaveMessageRequest, address: str
    ) -> rest.LeaveMessageResponse:
        context = self._context
        rest.check_consent(request.consent, self._notice_version)
        await self._senders.allow(
            "message",
            address,
            context.settings.messages_per_address,
            "too many messages from this address",
        )
        record = await context.storage.add_offline_message(
            request.name,
            request.phone,
            request.text,
            request.consent.notice_version,
            context.clock(),
        )
        context.metrics.offline_messages.inc()
        context.connections.to_all_advisors(ws.InboxAdded(message=offline_message(record)))
        return rest.LeaveMessageResponse(
            message_id=record.message_id, created_at=to_datetime(record.created_at)
        )

    async def messages(self, include_done: bool) -> rest.MessagesResponse:
        records = await self._context.storage.offline_messages(include_done)
        return rest.MessagesResponse(messages=[offline_message(r) for r in records])

    async def open_count(self) -> int:
        return len(await self._context.storage.offline_messages(include_done=False))

    async def mark_done(self, message_id: int, advisor: AdvisorRecord) -> OfflineMessage:
        context = self._context
        record = await context.storage.mark_offline_message_done(
            message_id, advisor, context.clock()
        )
        if record is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"there is no message {message_id}")
        return offline_message(record)
