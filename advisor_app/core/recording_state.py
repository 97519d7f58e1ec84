"""The recording of the consultation in progress, as the hub decides it (issue 18): the
policy of its topic, the customer's answer, and whether the advisor's end records now.

``active`` is the one signal the recorder follows: it records while it is true and finishes
when it turns false or the consultation ends. It only ever turns true with the customer's
consent on the hub (a mandatory policy from the take, on_request after the customer said yes
to the advisor's request). No Qt here: views get it through ui/runtime/events.py."""

from __future__ import annotations

from dataclasses import dataclass

from advisor_app.protocol import ws
from advisor_app.protocol.common import ConsultationInfo, Mode, RecordingConsent, RecordingPolicy


@dataclass(frozen=True, slots=True)
class RecordingState:
    consultation_id: int
    policy: RecordingPolicy
    consent: RecordingConsent
    active: bool
    mode: Mode = "av"

    @classmethod
    def of(cls, info: ConsultationInfo) -> RecordingState:
        return cls(
            consultation_id=info.consultation_id,
            policy=info.recording,
            consent=info.recording_consent,
            active=info.recording_active,
            mode=info.mode,
        )

    def updated(self, message: ws.RecordingState) -> RecordingState:
        return RecordingState(
            consultation_id=self.consultation_id,
            policy=message.policy,
            consent=message.consent,
            active=message.active,
            mode=self.mode,
        )

    def ended(self) -> RecordingState:
        """The consultation ended: nothing records any more."""
        return RecordingState(self.consultation_id, self.policy, self.consent, False, self.mode)

    @property
    def may_request(self) -> bool:
        """The advisor may ask the customer to record (on request, picture and sound)."""
        return (
            self.policy == "on_request"
            and self.mode == "av"
            and not self.active
            and self.consent != "asked"
        )

    @property
    def may_stop(self) -> bool:
        """Only an on_request recording stops on the advisor's word; a mandatory one runs
        from the start to the end (no pause: BaFin)."""
        return self.policy == "on_request" and self.active

    @property
    def minutes_expected(self) -> bool:
        """Where the policy asks for a recording and none can be made (declined, or text
        only), the advisor writes minutes instead."""
        return self.policy != "off" and (self.consent == "declined" or self.mode == "text")
