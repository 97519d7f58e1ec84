"""The engine thread and the signed-in session on it, the local devices; at sign-in it builds
the ``ViewContext`` (events, actions, models) that the views get instead of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from advisor_app.core import credentials
from advisor_app.core.engine import Engine
from advisor_app.core.errors import Problem, UserFacingError
from advisor_app.ui.runtime import preload
from advisor_app.ui.runtime.collector import collect_on_ui_thread
from advisor_app.ui.runtime.settings import DeviceChoice

if TYPE_CHECKING:  # imported when first needed: the sign-in dialog paints without them
    from advisor_app.core.hub_client import HubClient, LinkState
    from advisor_app.core.session import AdvisorSession
    from advisor_app.protocol.rest import LoginResponse
    from advisor_app.rtc.audio_processing import ProcessingOptions
    from advisor_app.ui.media.devices import AudioPlayer, LocalMedia
    from advisor_app.ui.runtime.context import ViewContext
    from advisor_app.ui.runtime.events import EventStream

logger = logging.getLogger(__name__)


class Workstation(QObject):
    """Owns the engine thread; a signed-in advisor has a session and a ViewContext."""

    signed_out = Signal()

    def __init__(
        self,
        *,
        synthetic_media: bool = False,
        processing: ProcessingOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # Before the engine thread runs Python: reference cycles holding Qt objects must be
        # freed on this thread, never on the engine's (see ui/collector.py).
        collect_on_ui_thread()
        self.engine = Engine().start()
        self.synthetic_media = synthetic_media
        # What runs on the microphone (echo cancellation, noise suppression, gain control;
        # None: all of it). Its module loads numpy: not before the sign-in dialog is painted.
        self.processing = processing
        self.device_choice = DeviceChoice()
        self.document_library: Path | None = None  # folder the document pane offers
        self.session: AdvisorSession | None = None
        self.events: EventStream | None = None
        self.context: ViewContext | None = None  # what the views get while signed in
        self.media: LocalMedia | None = None
        self.player: AudioPlayer | None = None
        self.hub_url = ""
        self.username = ""
        self.display_name = ""

    async def call[T](self, work: Coroutine[Any, Any, T]) -> T:
        """Engine work for the sign-in and for tests; views go through ``context.actions``."""
        return await self.engine.call(work)

    async def run_blocking[T](self, function: Callable[..., T], *args: Any) -> T:
        """Blocking work (the keyring) in a thread started from the engine loop, not from the
        UI loop: qasync's executor reports back across threads in a way we avoid (see
        Engine.call)."""
        return await self.call(asyncio.to_thread(function, *args))

    async def sign_in(
        self, hub_url: str, username: str, password: str, *, stay_signed_in: bool
    ) -> LoginResponse:
        preload.wait()
        from advisor_app.core.hub_client import normalise_hub_url

        hub_url = normalise_hub_url(hub_url)
        client = await self.call(_make_client(hub_url))
        try:
            result = await self.call(client.login(username, password))
        except BaseException:
            await self.call(client.stop())  # its HTTP session, or it stays open until exit
            raise
        if stay_signed_in:
            try:
                await self.run_blocking(credentials.save_token, hub_url, username, result.token)
            except Exception as error:  # keyring trouble must not block the sign-in
                logger.warning("could not keep the login: %s", error)
        else:
            await self.run_blocking(credentials.forget_token, hub_url, username)
        self.display_name = result.advisor.display_name
        await self._start(client, hub_url, username)
        return result

    async def resume(self, hub_url: str, username: str) -> bool:
        """Sign in with the token kept in the keyring; False if there is none or it expired."""
        preload.wait()
        from advisor_app.core.hub_client import LinkState, normalise_hub_url

        hub_url = normalise_hub_url(hub_url)
        token = await self.run_blocking(credentials.load_token, hub_url, username)
        if not token:
            return False
        client = await self.call(_make_client(hub_url))
        client.use_token(token)
        await self._start(client, hub_url, username)
        state = await self.call(_wait_for_link(client))
        if state == LinkState.LOGGED_OUT:
            await self.run_blocking(credentials.forget_token, hub_url, username)
            await self.stop_session()
            return False
        # Connected means the hub's welcome arrived: it says who we are (the window's title).
        session = self.session
        if session is not None and session.advisor is not None:
            self.display_name = session.advisor.display_name
        if self.context is not None:
            self.context.models.advisor.display_name = self.display_name
        return True

    async def _start(self, client: HubClient, hub_url: str, username: str) -> None:
        from advisor_app.core.session import AdvisorSession
        from advisor_app.ui.media.devices import AudioPlayer, LocalMedia
        from advisor_app.ui.models import AdvisorModel, Models
        from advisor_app.ui.runtime.actions import EngineActions
        from advisor_app.ui.runtime.bridge import connect_session
        from advisor_app.ui.runtime.context import ViewContext
        from advisor_app.ui.runtime.events import EventStream, ProcessingNotice

        self.hub_url, self.username = hub_url, username
        self.media = LocalMedia(
            self.device_choice,
            synthetic=self.synthetic_media,
            processing=self.processing,
            parent=self,
        )
        self.media.start()
        session = AdvisorSession(client, self.media.sources())
        self.session = session
        # The models listen from the start: a window opened after the hub's welcome still
        # shows the presence, the queue and the inbox count it brought.
        self.events = events = EventStream(self)
        connect_session(session, events)
        self.context = ViewContext(
            events,
            EngineActions(self),
            Models(advisor=AdvisorModel(self.display_name)),
            document_library=self.document_library,
            device_notices=tuple(self.media.notices),
            processing_unavailable=bool(self.media.processing_unavailable),
        )
        # Emitted on the processing's own thread: posted, so it is handled on this one.
        self.media.processing_notice.connect(lambda text: events.post(ProcessingNotice(text)))
        # The player hands the processor what the speaker plays: the echo to take out.
        self.player = AudioPlayer(
            session.remote_audio,
            self.media.speaker_device,
            self,
            processor=self.media.audio_processing,
        )
        self.player.start()
        await self.call(session.start())

    async def stop_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            await self.call(session.stop())
        self._release_local_parts()

    async def sign_out(self) -> None:
        session = self.session
        if session is not None:
            await self.call(session.hub.logout())
        await self.run_blocking(credentials.forget_token, self.hub_url, self.username)
        await self.stop_session()
        self.signed_out.emit()

    def require_context(self) -> ViewContext:
        """What the views get; only while signed in."""
        if self.context is None:
            raise UserFacingError(Problem.NOT_CONNECTED)
        return self.context

    def require_session(self) -> AdvisorSession:
        if self.session is None:
            raise UserFacingError(Problem.NOT_CONNECTED)
        return self.session

    def shutdown(self) -> None:
        """Blocking: stop everything on the engine, then the engine (window closed)."""
        session, self.session = self.session, None
        if session is not None:
            try:
                self.engine.run(session.stop(), timeout=10)
            except Exception:
                logger.exception("stopping the session failed")
        self._release_local_parts(delete_stream=False)
        self.engine.stop()

    def _release_local_parts(self, *, delete_stream: bool = True) -> None:
        """Stop the session's Qt side here, on the UI thread: the event stream's and the
        player's timers would otherwise run on until whichever thread frees them."""
        player, media, events = self.player, self.media, self.events
        self.player = self.media = self.events = None
        self.context = None
        if player is not None:
            player.stop()
        if media is not None:
            media.stop()
        if events is None:
            return
        events.stop()
        # At shutdown the stream stays until the workstation goes: windows may still hold
        # models connected to it, and deleting it after such a window was freed crashed in
        # ~QObject (PySide6 6.11, seen when a script's window outlived the shutdown).
        if delete_stream:
            events.deleteLater()


async def _make_client(hub_url: str) -> HubClient:
    from advisor_app.core.hub_client import HubClient  # imported by the caller already

    return HubClient(hub_url)


async def _wait_for_link(client: HubClient, wait: float = 10.0) -> LinkState:
    from advisor_app.core.hub_client import LinkState  # imported by the caller already

    settled = asyncio.Event()

    def on_state(state: LinkState) -> None:
        if state in (LinkState.CONNECTED, LinkState.LOGGED_OUT):
            settled.set()

    client.state_changed.connect(on_state)
    on_state(client.state)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(wait):
            await settled.wait()
    client.state_changed.disconnect(on_state)
    return client.state
