"""Sockets saying hello and going: the welcomes, and who is told of an arrival or a loss."""

from __future__ import annotations

import logging

from advisor_app.hub.accounts import token_hash
from advisor_app.hub.connections import Connection
from advisor_app.hub.consultations import Consultations
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import advisor_info
from advisor_app.hub.inbox import Inbox
from advisor_app.hub.logins import Logins
from advisor_app.hub.presence import AdvisorPresence
from advisor_app.hub.queue import Queue
from advisor_app.hub.storage import AdvisorRecord, CustomerRecord
from advisor_app.protocol import ws
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)


class Arrivals:
    """Owns a socket's way from open to closed: registered before its welcome (so nothing
    said meanwhile misses it), welcomed with the present state, and on the last socket's
    close the grace period, the presence and the other side told."""

    def __init__(
        self,
        context: HubContext,
        logins: Logins,
        queue: Queue,
        presence: AdvisorPresence,
        consultations: Consultations,
        inbox: Inbox,
    ) -> None:
        self._context = context
        self._logins = logins
        self._queue = queue
        self._presence = presence
        self._consultations = consultations
        self._inbox = inbox

    def opened(self, connection: Connection) -> None:
        self._context.connections.all.add(connection)

    async def closed(self, connection: Connection) -> None:
        if connection.subject_id is not None:
            if connection.role == "customer":
                await self._customer_disconnected(connection)
            else:
                await self._advisor_disconnected(connection)
        self._context.connections.all.discard(connection)

    async def customer_for(self, token: str) -> CustomerRecord:
        customer = await self._context.storage.customer_by_token(token_hash(token))
        if customer is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown or purged customer token")
        return customer

    # --- customers ---

    async def customer_hello(self, connection: Connection, token: str) -> CustomerRecord:
        """Identify a customer's socket by its token, welcome it, stop the grace clock."""
        customer = await self.customer_for(token)
        connection.token_hash = token_hash(token)
        if customer.state in ("left", "expired"):
            raise ProtocolError(
                ErrorCode.GONE,
                "this place in the queue has expired"
                if customer.state == "expired"
                else "this place in the queue was given up",
            )
        connection.subject_id = customer.customer_id
        connection.hold()
        try:
            await self._welcome_customer(connection, customer)
        finally:
            connection.send_first()  # what came meanwhile; on failure, before the error
        return customer

    async def _welcome_customer(self, connection: Connection, customer: CustomerRecord) -> None:
        context = self._context
        connections = context.connections
        customer_id = customer.customer_id
        first = connections.add(connection)
        if first:
            await context.cluster.link_customer(customer_id)
        consultation = None
        if customer.state == "waiting":
            self._queue.customer_arrived(customer_id)
            if first:
                connections.to_all_advisors(
                    ws.QueueConnection(customer_id=customer_id, connected=True)
                )
        else:
            record = await context.storage.consultation_of_customer(customer_id)
            if record is not None:
                consultation = self._consultations.info(record, None, "customer")
                if record.active and first:
                    connections.to_advisor(
                        record.advisor_id,
                        ws.PeerConnection(
                            consultation_id=record.consultation_id, role="customer", connected=True
                        ),
                    )
        position = await self._queue.position_of(customer_id)
        estimate = self._queue.estimate_for(position) if position else None
        connection.send_first(
            ws.CustomerWelcome(
                customer_id=customer_id,
                state=customer.state,
                position=position,
                estimated_wait_seconds=estimate,
                consultation=consultation,
                grace_seconds=int(context.settings.grace_seconds),
            )
        )
        if position is not None:
            self._queue.told(customer_id, position, estimate)

    async def _customer_disconnected(self, connection: Connection) -> None:
        customer_id = connection.subject_id
        if not self._context.connections.remove(connection) or customer_id is None:
            return
        await self._context.cluster.unlink_customer(customer_id)
        self._queue.customer_departed(customer_id)
        await self.tell_customer_offline(customer_id)

    async def tell_customer_offline(self, customer_id: int) -> None:
        """Every advisor while the customer waits; the advisor of its consultation after."""
        connections = self._context.connections
        if customer_id in self._queue:
            connections.to_all_advisors(
                ws.QueueConnection(customer_id=customer_id, connected=False)
            )
            return
        record = await self._context.storage.consultation_of_customer(customer_id)
        if record is not None and record.active:
            connections.to_advisor(
                record.advisor_id,
                ws.PeerConnection(
                    consultation_id=record.consultation_id, role="customer", connected=False
                ),
            )

    # --- advisors ---

    async def advisor_hello(self, connection: Connection, token: str) -> AdvisorRecord:
        """Identify an advisor's socket by its login, welcome it with the queue."""
        advisor = await self._logins.advisor_for(token)
        connection.token_hash = token_hash(token)
        connection.subject_id = advisor.advisor_id
        connection.hold()  # queue changes meanwhile go after the welcome's snapshot
        try:
            await self._welcome_advisor(connection, advisor)
        finally:
            connection.send_first()
        return advisor

    async def _welcome_advisor(self, connection: Connection, advisor: AdvisorRecord) -> None:
        context = self._context
        connections = context.connections
        first = connections.add(connection)
        active = await context.storage.active_consultation_of_advisor(advisor.advisor_id)
        presence = self._presence.arrived(
            advisor.advisor_id, active is not None, advises=advisor.has("advisor")
        )
        consultation = None
        if active is not None:
            customer = await context.storage.customer(active.customer_id)
            consultation = self._consultations.info(active, customer, "advisor")
        if active is not None and first:
            connections.to_customer(
                active.customer_id,
                ws.PeerConnection(
                    consultation_id=active.consultation_id, role="advisor", connected=True
                ),
            )
        open_messages = await self._inbox.open_count()
        linked = await context.cluster.linked_customers(connections.customers)
        connection.send_first(
            ws.AdvisorWelcome(
                advisor=advisor_info(advisor),
                presence=presence,
                queue=self._queue.entries_for_advisors(linked),
                consultation=consultation,
                open_messages=open_messages,
            )
        )

    async def _advisor_disconnected(self, connection: Connection) -> None:
        advisor_id = connection.subject_id
        if not self._context.connections.remove(connection) or advisor_id is None:
            return
        self._presence.departed(advisor_id)
        active = await self._context.storage.active_consultation_of_advisor(advisor_id)
        if active is not None:
            self._context.connections.to_customer(
                active.customer_id,
                ws.PeerConnection(
                    consultation_id=active.consultation_id, role="advisor", connected=False
                ),
            )
