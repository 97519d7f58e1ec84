"""The words and formats of a consultation's written renderings (the record PDF, the chat PDF
and the print page), in the customer's language, with every time in the hub's time zone.

One place for them, so that the three renderings cannot drift apart; the customer page's own
print view uses the same wording (``print.*`` in resources/web/js/i18n.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from advisor_app.protocol.common import Language, Mode

_TEXT: dict[Language, dict[str, str]] = {
    "de": {
        "record_title": "Beratungsprotokoll der Videoberatung",
        "transcript_title": "Gesprächsprotokoll der Videoberatung",
        "reference": "Referenz",
        "date": "Datum",
        "start": "Beginn",
        "end": "Ende",
        "customer": "Kunde/Kundin",
        "advisor": "Berater/in",
        "mode": "Verbindung",
        "mode_av": "Bild und Ton",
        "mode_text": "nur Text",
        "time_zone": "Zeitzone",
        "made_at": "Erstellt",
        "running": "läuft noch",
        "record_note": (
            "Dieses Protokoll enthält jede Seite, die Ihnen in der Beratung gezeigt wurde, mit "
            "den Markierungen, und den vollständigen schriftlichen Verlauf."
        ),
        "transcript_note": "Schriftlicher Verlauf Ihres Gesprächs (Chat).",
        "media_not_recorded": "Bild und Ton wurden nicht aufgezeichnet.",
        "media_recorded": (
            "Bild und Ton wurden mit Ihrer Einwilligung aufgezeichnet (gesetzliche Pflicht der "
            "Bank bei Anlageberatung, § 83 Abs. 3 WpHG); die Bank bewahrt die Aufzeichnung "
            "gesondert auf."
        ),
        "recording": "Aufzeichnung",
        "recording_off": "nicht vorgesehen",
        "recording_made": "Bild und Ton aufgezeichnet, mit Einwilligung",
        "recording_declined": "Einwilligung abgelehnt – nicht aufgezeichnet",
        "recording_not_made": "nicht aufgezeichnet",
        "minutes": "Schriftliches Protokoll der Beratung",
        "minutes_note": "Von {advisor} anstelle einer Aufzeichnung geschrieben.",
        "sealed_note": (
            "Elektronisch signiert von {bank}. Das Protokoll enthält die versiegelte Kette "
            "der Ereignisse dieser Beratung (Einwilligung, Beginn, Nachrichten, Ende; Prüfwert "
            "{head}…). Prüfen mit: advisor-hub\u00a0verify\u00a0<Datei>"
        ),
        "shown": "Gezeigte Unterlagen",
        "shown_none": "In dieser Beratung wurden keine Unterlagen gezeigt.",
        "shown_entry": "{title}, Seite {page} von {pages}",
        "marks_one": "1 Markierung",
        "marks_many": "{n} Markierungen",
        "marks_none": "keine Markierungen",
        "at_page": "Seite {n} dieses Protokolls",
        "exhibit": "Gezeigte Unterlage {n} von {count}",
        "messages": "Schriftlicher Verlauf",
        "messages_none": "Es wurden keine schriftlichen Nachrichten ausgetauscht.",
        "page_of": "Seite {page} von {pages}",
        "pages_one": "1 Seite",
        "pages_many": "{n} Seiten",
    },
    "en": {
        "record_title": "Record of your video consultation",
        "transcript_title": "Transcript of your video consultation",
        "reference": "Reference",
        "date": "Date",
        "start": "Start",
        "end": "End",
        "customer": "Customer",
        "advisor": "Advisor",
        "mode": "Connection",
        "mode_av": "video and audio",
        "mode_text": "text only",
        "time_zone": "Time zone",
        "made_at": "Made",
        "running": "still running",
        "record_note": (
            "This record holds every page you were shown in the consultation, with its marks, "
            "and the complete written conversation."
        ),
        "transcript_note": "The written part of your consultation (chat).",
        "media_not_recorded": "Video and audio were not recorded.",
        "media_recorded": (
            "Video and audio were recorded with your consent (the bank's legal duty for "
            "investment advice, § 83(3) WpHG); the bank keeps the recording separately."
        ),
        "recording": "Recording",
        "recording_off": "not provided for",
        "recording_made": "video and audio recorded, with consent",
        "recording_declined": "consent declined – not recorded",
        "recording_not_made": "not recorded",
        "minutes": "Written minutes of the consultation",
        "minutes_note": "Written by {advisor} in place of a recording.",
        "sealed_note": (
            "Signed electronically by {bank}. This record carries the sealed chain of this "
            "consultation's events (consent, start, messages, end; check value {head}…). "
            "Verify with: advisor-hub\u00a0verify\u00a0<file>"
        ),
        "shown": "Documents shown",
        "shown_none": "No documents were shown in this consultation.",
        "shown_entry": "{title}, page {page} of {pages}",
        "marks_one": "1 mark",
        "marks_many": "{n} marks",
        "marks_none": "no marks",
        "at_page": "page {n} of this record",
        "exhibit": "Document shown {n} of {count}",
        "messages": "Written conversation",
        "messages_none": "No written messages were exchanged.",
        "page_of": "Page {page} of {pages}",
        "pages_one": "1 page",
        "pages_many": "{n} pages",
    },
}


@dataclass(frozen=True, slots=True)
class Wording:
    """Text and formats for one language and time zone."""

    language: Language
    time_zone: str

    def __call__(self, key: str, **values: object) -> str:
        return _TEXT[self.language][key].format(**values)

    def count(self, singular: str, plural: str, n: int, none: str | None = None) -> str:
        """Singular and plural, as each language wants them (no "Seite(n)")."""
        if n == 0 and none is not None:
            return self(none)
        return self(singular) if n == 1 else self(plural, n=n)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.time_zone))

    def date(self, moment: datetime) -> str:
        """03.12.2026 / 03/12/2026, as the customer page's Intl formats show them."""
        local = self.local(moment)
        return f"{local:%d.%m.%Y}" if self.language == "de" else f"{local:%d/%m/%Y}"

    def time(self, moment: datetime) -> str:
        return f"{self.local(moment):%H:%M:%S}"

    def zone_label(self, moment: datetime) -> str:
        """``Europe/Berlin (UTC+01:00)``: the zone's name and its offset on that day."""
        offset = self.local(moment).strftime("%z")
        return f"{self.time_zone} (UTC{offset[:3]}:{offset[3:]})"

    def mode(self, mode: Mode) -> str:
        return self("mode_av") if mode == "av" else self("mode_text")
