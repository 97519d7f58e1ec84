"""The advisor's working session: the hub link, the queue, presence, the inbox count, and the
consultation in progress with its chat and its peer connection. No Qt: views subscribe to the
events here (through a bridge that hands them to the UI thread)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec
from aiortc import MediaStreamTrack

from advisor_app.core.chat_log import ChatChange, ChatLog
from advisor_app.core.documents import DocumentShare, ShareState
from advisor_app.core.errors import Problem, UserFacingError
from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.queue_state import QueueState
from advisor_app.core.recording import (
    ConsultationRecording,
    SegmentUploader,
    default_recordings_root,
    store_for,
)
from advisor_app.core.recording_state import RecordingState
from advisor_app.documents.render import Renderer, cpu_workers
from advisor_app.observe import Event
from advisor_app.protocol import rest, ws
from advisor_app.protocol.common import (
    AdvisorInfo,
    ConsultationInfo,
    OfflineMessage,
    Presence,
    QueueEntry,
)
from advisor_app.protocol.documents import Mark
from advisor_app.rtc.audio_first import AudioFirst
from advisor_app.rtc.peer import AdvisorPeer, LinkStats, MediaPlan
from advisor_app.rtc.recording import RecorderSettings
from advisor_app.rtc.relay_choice import RELAYS
from advisor_app.rtc.sinks import LatestFrameSink, PcmRingSink
from advisor_app.rtc.tracks import SwitchableTrack

logger = logging.getLogger(__name__)


class Phase(StrEnum):
    CONNECTING = "connecting"  # taken; media being set up (text-only skips to CONNECTED)
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # the customer or the media dropped; coming back
    ENDED = "ended"


@dataclass
class Consultation:
    """The consultation in progress as the advisor's side holds it."""

    info: ConsultationInfo
    chat: ChatLog
    documents: DocumentShare  # what this consultation shows; closed when it ends
    phase: Phase = Phase.CONNECTING
    customer_online: bool = True
    peer: AdvisorPeer | None = field(default=None, repr=False)
    offers_made: int = 0  # the number of the current peer's offer (ws.Signal.offer)
    ended_by: str | None = None

    @property
    def consultation_id(self) -> int:
        return self.info.consultation_id

    @property
    def has_media(self) -> bool:
        return self.info.mode == "av"


class MediaSources:
    """Where the advisor's own tracks come from: the UI passes camera and microphone tracks;
    the demo and tests pass synthetic ones."""

    def __init__(
        self,
        audio: Callable[[], MediaStreamTrack | None],
        video: Callable[[], MediaStreamTrack | None],
    ) -> None:
        self._audio = audio
        self._video = video

    def audio(self) -> MediaStreamTrack | None:
        return self._audio()

    def video(self) -> MediaStreamTrack | None:
        return self._video()


class AdvisorSession:
    """Runs on the engine loop. Every public coroutine is called through the engine facade."""

    def __init__(
        self, hub: HubClient, media: MediaSources, recordings_root: Path | None = None
    ) -> None:
        self.hub = hub
        self.media = media
        # Recordings (issue 18): sealed segments wait under the user's data folder until the
        # hub has them; what a crash left behind goes at the next connection to the hub.
        self.recordings = store_for(recordings_root or default_recordings_root(), hub.hub_url)
        self.uploader = SegmentUploader(hub, self.recordings)
        # The current consultation's recorder, while it records (started and stopped only by
        # _follow_recording, on the hub's recording state; see self.recording below).
        self.recorder: ConsultationRecording | None = None
        self.recorder_settings = RecorderSettings()  # segment length, sizes, rates
        # Segments go up as they are sealed; False: only after the consultation (a weak
        # uplink keeps its whole width for the call).
        self.upload_during_call = True
        self.queue = QueueState()
        self.presence: Presence = "available"
        self.advisor: AdvisorInfo | None = None  # who the hub says we are (its welcome)
        self.consultation: Consultation | None = None
        self.open_messages = 0
        self.renderer = Renderer(workers=cpu_workers())
        self.remote_video = LatestFrameSink(on_frame=self._on_remote_frame)
        self.remote_audio = PcmRingSink()
        self.microphone: SwitchableTrack | None = None
        self.camera: SwitchableTrack | None = None
        # The advisor's switches for the current consultation; they outlive the tracks, which
        # are made anew for every peer connection (a customer who reconnects must not get
        # the camera back on), and start on for each new consultation like its view.
        self.camera_on = True
        self.microphone_on = True
        # Whether the line can carry our picture (rtc/audio_first.py); judged afresh for
        # every peer connection.
        self.audio_first = AudioFirst()
        # events (emitted on the engine thread)
        self.link_changed: Event[LinkState] = Event()
        self.queue_changed: Event[list[QueueEntry]] = Event()
        self.someone_joined_empty_queue: Event[QueueEntry] = Event()
        self.presence_changed: Event[Presence] = Event()
        self.consultation_changed: Event[Consultation | None] = Event()
        # only what changed (new stored messages, a new own one): views append
        self.chat_changed: Event[ChatChange] = Event()
        self.inbox_changed: Event[int] = Event()
        self.inbox_added: Event[OfflineMessage] = Event()
        self.remote_frame: Event[None] = Event()
        self.stats_updated: Event[LinkStats] = Event()
        self.problem: Event[UserFacingError] = Event()
        # the current consultation's documents (see DocumentShare.changed, .marks_changed)
        self.share_changed: Event[ShareState] = Event()
        self.marks_changed: Event[tuple[int, tuple[Mark, ...]]] = Event()
        self.record_ready: Event[int] = Event()  # consultation id: the hub made its record
        # The current consultation's recording (None: no consultation). The recorder starts
        # and stops on RecordingState.active; the views show it (core/recording_state.py).
        self.recording: RecordingState | None = None
        self.recording_changed: Event[RecordingState | None] = Event()
        self._stats_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._signal_lock = asyncio.Lock()
        hub.state_changed.connect(self._on_link_changed)
        hub.message_received.connect(self._on_message)

    # --- life cycle ---

    async def start(self) -> None:
        # Before any recorder runs: what a crash left half-written is no segment.
        await asyncio.to_thread(self.recordings.discard_partial)
        self.hub.start()
        self._stats_task = asyncio.create_task(self._poll_stats(), name="link-stats")
        self._spawn(self._choose_relay())

    async def _choose_relay(self) -> None:
        """Find the TURN URL that works from here while the advisor waits for customers, so
        that the first take does not wait for it (up to 2 s where UDP is silently dropped)."""
        with contextlib.suppress(UserFacingError):  # the hub is away: the first take probes
            await RELAYS.servers_for(await self.hub.ice_servers())

    async def stop(self) -> None:
        if self._stats_task is not None:
            self._stats_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stats_task
        # Its last segment sealed; uploaded at the next start. No new one while closing down.
        await self._stop_recording(follow=False)
        await self.uploader.close()
        await self._close_peer()
        await RELAYS.close()  # a background re-check of the relay must not outlive the loop
        if self.consultation is not None:
            self.consultation.documents.close()
        await self.hub.stop()
        await asyncio.get_running_loop().run_in_executor(None, self.renderer.close)

    # --- actions ---

    async def take_next(self) -> ConsultationInfo:
        return await self._take(ws.TakeNext())

    async def take(self, customer_id: int) -> ConsultationInfo:
        return await self._take(ws.Take(customer_id=customer_id))

    async def _take(self, message: ws.TakeNext | ws.Take) -> ConsultationInfo:
        if self.consultation is not None and self.consultation.phase != Phase.ENDED:
            raise UserFacingError(Problem.IN_CONSULTATION)
        reply = await self.hub.request(message)
        assert isinstance(reply, ws.Taken)
        # The 'taken' message itself starts the consultation (see _on_message); by the time
        # the reply resolves here it is set up.
        return reply.consultation

    async def set_presence(self, presence: Presence) -> None:
        await self.hub.send(ws.SetPresence(presence=presence))

    async def send_chat(self, text: str) -> str:
        """Queue a chat message; it is sent now or resent after a reconnect. Returns its id."""
        consultation = self._current()
        pending = consultation.chat.new_outgoing(text)
        self.chat_changed.emit(ChatChange(consultation.consultation_id, pending=(pending,)))
        with contextlib.suppress(UserFacingError):  # not connected: resent on welcome
            await self.hub.send(
                ws.ChatSend(
                    consultation_id=consultation.consultation_id,
                    client_id=pending.client_id,
                    text=text,
                )
            )
        return pending.client_id

    async def end(self) -> None:
        consultation = self._current()
        await self.hub.send(ws.End(consultation_id=consultation.consultation_id))

    async def request_recording(self) -> None:
        """Ask the customer to consent to recording now (policy on_request); the answer comes
        as a recording state."""
        consultation = self._current()
        await self.hub.send(ws.RecordingRequest(consultation_id=consultation.consultation_id))

    async def stop_recording(self) -> None:
        """Stop an on_request recording (the hub refuses it for a mandatory one, and so does
        this: the view offers no button for it, and nothing else may pause it)."""
        consultation = self._current()
        if self.recording is not None and self.recording.policy == "mandatory":
            raise UserFacingError(Problem.HUB_REFUSED, "a mandatory recording cannot be stopped")
        await self.hub.send(ws.RecordingStop(consultation_id=consultation.consultation_id))

    async def save_minutes(
        self, text: str, consultation_id: int | None = None
    ) -> rest.MinutesSaved:
        """The written minutes of the current (or a just ended) consultation."""
        if consultation_id is None:
            if self.consultation is None:
                raise UserFacingError(Problem.HUB_REFUSED, "there is no consultation")
            consultation_id = self.consultation.consultation_id
        try:
            return await self.hub.save_minutes(consultation_id, text)
        except ValueError as error:  # the protocol's own rules (empty, too long)
            raise UserFacingError(Problem.HUB_REFUSED, str(error)) from None

    def _set_recording(self, state: RecordingState | None) -> None:
        if state == self.recording:
            return
        self.recording = state
        self.recording_changed.emit(state)
        self._follow_recording(state)

    def _follow_recording(self, state: RecordingState | None) -> None:
        """The recorder runs exactly while the hub says the consultation records: the policy
        and the customer's consent (issue 18 item 2) decide, never the workstation alone."""
        consultation = self.consultation
        wanted = (
            state is not None
            and state.active
            and consultation is not None
            and consultation.consultation_id == state.consultation_id
            and consultation.has_media
            and consultation.phase != Phase.ENDED
        )
        if wanted and consultation is not None and self.recorder is None:
            self._spawn(self._start_recording(consultation))
        elif not wanted and self.recorder is not None:
            self._spawn(self._stop_recording())

    @property
    def documents(self) -> DocumentShare:
        """The current consultation's documents."""
        consultation = self.consultation
        if consultation is None:
            raise UserFacingError(Problem.HUB_REFUSED, "there is no consultation")
        return consultation.documents

    def documents_of(self, consultation_id: int) -> DocumentShare | None:
        """That consultation's documents while it is the current one and has not ended."""
        consultation = self.consultation
        if consultation is None or consultation.consultation_id != consultation_id:
            return None
        share = consultation.documents
        return None if share.closed else share

    async def create_record(self) -> int:
        """Send the hub the pages shown so far (marks burned in), and the hub makes the
        customer's record with them and the chat so far; at the end it is made again, so the
        last one is complete. Returns how many pages were shown."""
        consultation = self.consultation
        if consultation is None:
            raise UserFacingError(Problem.HUB_REFUSED, "there is no consultation")
        if consultation.documents.closed:
            # Ended: its pages went to the hub before its documents were dropped; sending the
            # (now empty) list again would take them out of the record.
            return 0
        return await self._send_shown_pages(consultation)

    async def _send_shown_pages(self, consultation: Consultation) -> int:
        pages, manifest = consultation.documents.record_pages()
        pdf = await self.renderer.build_shown_pages(pages) if pages else b""
        await self.hub.upload_shown_pages(consultation.consultation_id, pdf, manifest)
        return len(pages)

    async def fetch_record(self, consultation_id: int) -> bytes:
        """The record the hub stored for the customer (only for our own consultations)."""
        return await self.hub.record(consultation_id)

    def close_consultation(self) -> None:
        """Forget an ended consultation (the view closed its tab)."""
        if self.consultation is not None and self.consultation.phase == Phase.ENDED:
            self.consultation = None
            self.consultation_changed.emit(None)
            self._set_recording(None)

    def set_microphone(self, enabled: bool) -> None:
        self.microphone_on = enabled
        self._apply_media_switches()

    def set_camera(self, enabled: bool) -> None:
        self.camera_on = enabled
        self._apply_media_switches()

    def _apply_media_switches(self) -> None:
        """Silence or black on our tracks, and the customer's page told what it gets."""
        if self.microphone is not None:
            self.microphone.enabled = self.microphone_on
        if self.camera is not None:
            self.camera.enabled = self.camera_on
        consultation = self.consultation
        if consultation is not None and consultation.peer is not None:
            consultation.peer.announce_media(
                camera=self.camera_on and self.camera is not None,
                microphone=self.microphone_on and self.microphone is not None,
            )

    async def messages(self, include_done: bool = False) -> list[OfflineMessage]:
        messages = await self.hub.offline_messages(include_done)
        self.open_messages = sum(1 for m in messages if m.done_at is None)
        self.inbox_changed.emit(self.open_messages)
        return messages

    async def mark_done(self, message_id: int) -> None:
        await self.hub.mark_message_done(message_id)
        self.open_messages = max(0, self.open_messages - 1)
        self.inbox_changed.emit(self.open_messages)

    def _current(self) -> Consultation:
        if self.consultation is None or self.consultation.phase == Phase.ENDED:
            raise UserFacingError(Problem.HUB_REFUSED, "there is no consultation in progress")
        return self.consultation

    # --- hub events ---

    def _on_link_changed(self, state: LinkState) -> None:
        self.link_changed.emit(state)

    def _on_message(self, message: Any) -> None:
        match message:
            case ws.AdvisorWelcome():
                self._on_welcome(message)
            case ws.QueueAdded() | ws.QueueRemoved() | ws.QueueConnection():
                was_empty = len(self.queue) == 0
                if self.queue.apply(message):
                    entries = self.queue.entries()
                    self.queue_changed.emit(entries)
                    if was_empty and isinstance(message, ws.QueueAdded):
                        self.someone_joined_empty_queue.emit(message.entry)
            case ws.PresenceChanged(presence=presence):
                self.presence = presence
                self.presence_changed.emit(presence)
            case ws.Taken(consultation=info):
                self._begin(info)
            case ws.SignalRelay():
                self._spawn(self._on_signal(message))
            case ws.ChatMessage(message=entry):
                consultation = self.consultation
                if consultation is not None and consultation.chat.add(entry):
                    self.chat_changed.emit(ChatChange(consultation.consultation_id, (entry,)))
            case ws.ChatHistory(messages=entries):
                consultation = self.consultation
                if consultation is not None:
                    added = tuple(entry for entry in entries if consultation.chat.add(entry))
                    if added:
                        self.chat_changed.emit(ChatChange(consultation.consultation_id, added))
            case ws.ConsultationEnded():
                self._on_ended(message)
            case ws.PeerConnection(role="customer", connected=connected):
                self._on_customer_link(connected)
            case ws.RecordReady(consultation_id=consultation_id):
                self.record_ready.emit(consultation_id)
            case ws.RecordingState():
                current = self.recording
                if current is not None and current.consultation_id == message.consultation_id:
                    self._set_recording(current.updated(message))
            case ws.InboxAdded(message=item):
                self.open_messages += 1
                self.inbox_added.emit(item)
                self.inbox_changed.emit(self.open_messages)
            case ws.ErrorMessage() if message.ref is None:
                logger.warning("the hub refused something: %s %s", message.code, message.message)

    def _on_welcome(self, welcome: ws.AdvisorWelcome) -> None:
        self.advisor = welcome.advisor
        self.uploader.kick()  # segments of an earlier run, or sealed while the hub was away
        self.queue.reset(welcome.queue)
        self.queue_changed.emit(self.queue.entries())
        self.presence = welcome.presence
        self.presence_changed.emit(welcome.presence)
        self.open_messages = welcome.open_messages
        self.inbox_changed.emit(welcome.open_messages)
        current = self.consultation
        if welcome.consultation is None:
            if current is not None and current.phase != Phase.ENDED:
                # It ended while we were away (the customer ended it).
                current.phase = Phase.ENDED
                self._spawn(self._finish(current))
                self.consultation_changed.emit(current)
                if self.recording is not None and self.recording.active:
                    self._set_recording(self.recording.ended())
            return
        if current is None or current.consultation_id != welcome.consultation.consultation_id:
            self._begin(welcome.consultation)
            return
        # What changed while we were away (the customer answered, the recording stopped).
        self._set_recording(RecordingState.of(welcome.consultation))
        # Back after a hub outage: the call runs peer to peer; fetch the chat we missed and
        # resend what was not confirmed.
        self._spawn(self._resume_chat(current))

    async def _resume_chat(self, consultation: Consultation) -> None:
        with contextlib.suppress(UserFacingError):
            await self.hub.send(
                ws.ChatHistoryRequest(
                    consultation_id=consultation.consultation_id,
                    after_seq=consultation.chat.last_seq,
                )
            )
            for pending in consultation.chat.pending():
                await self.hub.send(
                    ws.ChatSend(
                        consultation_id=consultation.consultation_id,
                        client_id=pending.client_id,
                        text=pending.text,
                    )
                )

    def _begin(self, info: ConsultationInfo) -> None:
        if (
            self.consultation is not None
            and self.consultation.consultation_id == info.consultation_id
        ):
            return
        previous = self.consultation
        if previous is not None and not previous.documents.closed:
            previous.documents.close()
        share = DocumentShare(self.renderer, info.consultation_id)
        share.changed.connect(lambda state: self._forward(share, self.share_changed, state))
        share.marks_changed.connect(lambda marks: self._forward(share, self.marks_changed, marks))
        share.changed.connect(lambda _: self._stage_changed(share))
        share.marks_changed.connect(lambda _: self._stage_changed(share))
        consultation = Consultation(
            info=info, chat=ChatLog(info.consultation_id, "advisor"), documents=share
        )
        self.consultation = consultation
        self.camera_on = self.microphone_on = True
        self._set_recording(RecordingState.of(info))
        share._emit()  # the pane starts empty
        if not consultation.has_media:
            consultation.phase = Phase.CONNECTED
        self.consultation_changed.emit(consultation)
        self._spawn(self._resume_chat(consultation))
        if consultation.has_media:
            self._spawn(self._start_peer(consultation))

    # --- recording (issue 18 item 3; core/recording.py) ---

    @property
    def is_recording(self) -> bool:
        """Whether the recorder is writing now (the view shows the hub's state, self.recording)."""
        return self.recorder is not None and self.recorder.running

    async def _start_recording(self, consultation: Consultation) -> None:
        """THE ONE PLACE a recording starts: from _follow_recording, when the hub's recording
        state turns active (policy and consent)."""
        if self.recorder is not None or self.consultation is not consultation:
            return
        recording = ConsultationRecording(
            self.hub,
            self.recordings,
            self.uploader,
            consultation.consultation_id,
            self.recorder_settings,
            upload_live=self.upload_during_call,
            on_failure=lambda: self.problem.emit(UserFacingError(Problem.RECORDING_FAILED)),
        )
        self.recorder = recording
        try:
            await recording.start()
        except BaseException:
            self.recorder = None
            raise
        state = self.recording
        if (
            self.consultation is not consultation
            or consultation.phase == Phase.ENDED
            or state is None
            or not state.active
        ):
            # It ended, or the hub said stop, while the recorder was starting.
            await self._stop_recording()
            return
        recording.attach_remote(self.remote_video, self.remote_audio)
        recording.attach_local(self.microphone, self.camera)
        recording.attach_stage(consultation.documents)

    async def _stop_recording(self, *, follow: bool = True) -> None:
        """Returns once the last segment is sealed (and handed to the uploader)."""
        recording = self.recorder
        if recording is not None:
            await recording.stop()
            if self.recorder is recording:
                self.recorder = None
            if follow:
                # Asked to record again while this one was closing (stop, then the
                # customer's yes to a new request): a new part starts now.
                self._follow_recording(self.recording)

    def _stage_changed(self, share: DocumentShare) -> None:
        recording = self.recorder
        consultation = self.consultation
        if recording is not None and consultation is not None and consultation.documents is share:
            recording.stage_changed()

    def _forward[T](self, share: DocumentShare, event: Event[T], value: T) -> None:
        """Only the current consultation's documents reach the views."""
        consultation = self.consultation
        if consultation is not None and consultation.documents is share:
            event.emit(value)

    def _still_current(self, consultation: Consultation) -> bool:
        return self.consultation is consultation and consultation.phase != Phase.ENDED

    async def _start_peer(self, consultation: Consultation) -> None:
        await self._close_peer(consultation)
        if not self._still_current(consultation):
            return
        info = consultation.info
        # aiortc uses only the first TURN URL of the hub's list (UDP, TCP, TLS on 443): give it
        # the one that allocates from this network (remembered, so usually no wait here).
        ice_servers = await RELAYS.servers_for(info.ice_servers)
        if not self._still_current(consultation):
            return
        plan = MediaPlan.from_choices(info.see_advisor, info.show_me)
        audio = self.media.audio()
        video = self.media.video() if plan.send_video else None
        self.microphone = SwitchableTrack(audio) if audio is not None else None
        self.camera = SwitchableTrack(video) if video is not None else None
        peer = AdvisorPeer(ice_servers, plan, audio=self.microphone, video=self.camera)
        if self.recorder is not None:  # a new connection: its tracks are recorded too
            self.recorder.attach_local(self.microphone, self.camera)
        consultation.peer = peer
        self.audio_first.reset()
        self._apply_media_switches()  # sent once the page opens the channel
        consultation.documents.attach(peer.documents, peer.pointer, peer.marks)
        consultation.documents.drawing.on_change = peer.yield_video_to_marks
        peer.remote_video.connect(self.remote_video.attach)
        peer.remote_audio.connect(self.remote_audio.attach)
        peer.state_changed.connect(lambda state: self._on_peer_state(consultation, peer, state))
        consultation.offers_made += 1
        number = consultation.offers_made
        offer = await peer.create_offer()
        if consultation.peer is not peer:
            return
        with contextlib.suppress(UserFacingError):
            await self.hub.send(
                ws.Signal(
                    consultation_id=consultation.consultation_id, description=offer, offer=number
                )
            )

    def _on_peer_state(self, consultation: Consultation, peer: AdvisorPeer, state: str) -> None:
        if consultation.peer is not peer or consultation.phase == Phase.ENDED:
            return
        if state == "connected":
            consultation.phase = Phase.CONNECTED
        elif state in ("disconnected", "failed"):
            consultation.phase = Phase.RECONNECTING
        self.consultation_changed.emit(consultation)

    async def _on_signal(self, message: ws.SignalRelay) -> None:
        # One at a time, in arrival order: a trickled candidate must not overtake the answer
        # (aiortc drops candidates that come before the remote description).
        async with self._signal_lock:
            await self._apply_signal(message)

    async def _apply_signal(self, message: ws.SignalRelay) -> None:
        consultation = self.consultation
        if consultation is None or consultation.consultation_id != message.consultation_id:
            return
        peer = consultation.peer
        if peer is None:
            return
        if message.offer is not None and message.offer != consultation.offers_made:
            logger.info(
                "ignored a signal for offer %s (now %s)", message.offer, consultation.offers_made
            )
            return
        try:
            if message.description is not None and message.description.type == "answer":
                if not await peer.accept_answer(message.description):
                    logger.info("ignored an answer: no offer was waiting for one")
            elif message.candidate is not None:
                await peer.add_remote_candidate(message.candidate)
        except Exception:
            logger.exception("the customer's signaling could not be applied")

    def _on_customer_link(self, connected: bool) -> None:
        consultation = self.consultation
        if consultation is None or consultation.phase == Phase.ENDED:
            return
        consultation.customer_online = connected
        if connected and consultation.has_media:
            # The customer's page came back, probably with a fresh peer connection: offer anew.
            consultation.phase = Phase.RECONNECTING
            self._spawn(self._start_peer(consultation))
        self.consultation_changed.emit(consultation)

    def _on_ended(self, message: ws.ConsultationEnded) -> None:
        consultation = self.consultation
        if consultation is None or consultation.consultation_id != message.consultation_id:
            return
        if consultation.phase == Phase.ENDED:
            return
        consultation.phase = Phase.ENDED
        consultation.ended_by = message.ended_by
        consultation.info = msgspec.structs.replace(
            consultation.info, ended_at=message.ended_at, ended_by=message.ended_by
        )
        self._spawn(self._finish(consultation))
        self.consultation_changed.emit(consultation)
        if self.recording is not None and self.recording.consultation_id == message.consultation_id:
            self._set_recording(self.recording.ended())

    async def _finish(self, consultation: Consultation) -> None:
        """After the end: the media goes; the pages shown go to the hub for the record (the
        hub made one without them already); then the consultation's documents are dropped."""
        if self.consultation is consultation:
            await self._stop_recording()
        await self._close_peer(consultation)
        try:
            if consultation.documents.shown:
                await self._send_shown_pages(consultation)
        finally:
            consultation.documents.close()

    async def _close_peer(self, consultation: Consultation | None = None) -> None:
        """Close the consultation's peer connection (by default the current one's); the
        media sources go only while it is the current one (a next one may have begun)."""
        consultation = consultation or self.consultation
        peer = consultation.peer if consultation is not None else None
        if consultation is not None:
            consultation.peer = None
            consultation.documents.detach()
        if consultation is not self.consultation:
            if peer is not None:
                await peer.close()
            return
        self.remote_video.detach()
        self.remote_audio.detach()
        for track in (self.microphone, self.camera):
            if track is not None:
                track.stop()
        self.microphone = self.camera = None
        if peer is not None:
            await peer.close()

    def _on_remote_frame(self) -> None:
        self.remote_frame.emit(None)

    async def _poll_stats(self) -> None:
        failed_for: AdvisorPeer | None = None
        while True:
            await asyncio.sleep(1.0)
            consultation = self.consultation
            peer = consultation.peer if consultation is not None else None
            if consultation is None or peer is None:
                continue
            camera = self.camera
            try:
                stats = await peer.stats(
                    time.monotonic(),
                    received_video=self.remote_video.meter if consultation.info.show_me else None,
                    sent_video=camera.meter if camera is not None else None,
                )
            except Exception:
                # A bug, not a state of the call: logged once per connection, not each second
                # (swallowed silently, it once hid that no statistics came at all).
                if failed_for is not peer:
                    failed_for = peer
                    logger.exception("the link statistics could not be read")
                continue
            stats = self._judge_line(peer, stats)
            self.stats_updated.emit(stats)

    def _judge_line(self, peer: AdvisorPeer, stats: LinkStats) -> LinkStats:
        """Audio-first: our picture paused while the line cannot carry it, the page told."""
        camera = self.camera
        if camera is None:
            return stats
        active = self.audio_first.update(
            time.monotonic(), stats.outbound_video_target_kbps, stats.fraction_lost
        )
        if active != camera.paused:
            camera.paused = active
            peer.announce_audio_first(active)
            logger.info("audio-first %s", "on: video paused" if active else "off: video back")
        return dataclasses.replace(stats, audio_first=active)

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            if isinstance(error, UserFacingError):
                self.problem.emit(error)
            else:
                logger.error("background work failed", exc_info=error)
