"""Turns the core's events (raised on the engine thread) into the UI's typed events.

Only immutable values or snapshots cross: the consultation is copied into a
``ConsultationSnapshot`` here, on the engine thread, before it is posted. (Emitting Python
objects across threads through queued Qt signals crashed the interpreter now and then under
load in our test runs: events cross through the stream's plain queue instead.)
"""

from __future__ import annotations

from advisor_app.core.session import AdvisorSession, Consultation
from advisor_app.ui.runtime import events as ev
from advisor_app.ui.runtime.events import ConsultationSnapshot, EventStream


def snapshot(consultation: Consultation) -> ConsultationSnapshot:
    return ConsultationSnapshot(
        consultation.info,
        consultation.phase,
        consultation.customer_online,
        consultation.ended_by,
        consultation.peer is not None,
    )


def connect_session(session: AdvisorSession, stream: EventStream) -> None:
    """Every event of the session, posted to the stream (called once, before it starts)."""
    post = stream.post
    session.link_changed.connect(lambda state: post(ev.LinkChanged(str(state))))
    session.queue_changed.connect(lambda entries: post(ev.QueueChanged(tuple(entries))))
    session.someone_joined_empty_queue.connect(
        lambda entry: post(ev.SomeoneJoinedEmptyQueue(entry))
    )
    session.presence_changed.connect(lambda presence: post(ev.PresenceChanged(str(presence))))
    session.consultation_changed.connect(
        lambda c: post(ev.ConsultationChanged(snapshot(c) if c is not None else None))
    )
    session.chat_changed.connect(lambda change: post(ev.ChatChanged(change)))
    session.inbox_changed.connect(lambda count: post(ev.InboxChanged(count)))
    session.inbox_added.connect(lambda message: post(ev.InboxAdded(message)))
    # Latest frame wins: one pending notice is enough, however many frames arrive.
    session.remote_frame.connect(lambda _: post(ev.RemoteFrame(), newest_only=True))
    session.stats_updated.connect(lambda stats: post(ev.StatsUpdated(stats)))
    session.problem.connect(lambda error: post(ev.ProblemRaised(error)))
    session.share_changed.connect(lambda state: post(ev.ShareChanged(state)))
    session.marks_changed.connect(lambda pm: post(ev.MarksChanged(pm[0], tuple(pm[1]))))
    session.record_ready.connect(lambda cid: post(ev.RecordReady(cid)))
    session.recording_changed.connect(lambda state: post(ev.RecordingChanged(state)))
