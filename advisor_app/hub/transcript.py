"""The print-friendly German transcript page of a consultation."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from advisor_app.protocol.rest import Transcript

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 46rem;
       color: #111; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; }
dt { font-weight: bold; }
ol { list-style: none; padding: 0; }
li { border-top: 1px solid #999; padding: .5rem 0; break-inside: avoid; }
.meta { color: #333; font-size: .9rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin-top: .2rem; }
.actions { margin: 1rem 0; }
@media print { .actions { display: none; } body { margin: 0; } }
"""


# The page is self-contained; its only style is allowed by hash, nothing else inline.
TRANSCRIPT_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def render_transcript_html(transcript: Transcript, time_zone: str) -> str:
    """German HTML with every name and text escaped (they are the customer's own input)."""
    zone = ZoneInfo(time_zone)
    consultation = transcript.consultation
    started = _local(consultation.started_at, zone)
    ended = _local(consultation.ended_at, zone) if consultation.ended_at else None
    mode = "Bild und Ton" if consultation.mode == "av" else "nur Text"
    rows = []
    for message in transcript.messages:
        author = "Berater/in" if message.author_role == "advisor" else "Sie"
        sent = _local(message.sent_at, zone).strftime("%H:%M:%S")
        rows.append(
            f'<li><div class="meta"><time datetime="{message.sent_at.isoformat()}">{sent}</time>'
            f" · {escape(author)}: {escape(message.author_name)}</div>"
            f'<div class="text">{escape(message.text)}</div></li>'
        )
    body = (
        "\n".join(rows)
        if rows
        else "<li>Es wurden keine schriftlichen Nachrichten ausgetauscht.</li>"
    )
    ended_text = ended.strftime("%H:%M:%S") if ended else "–"
    return f"""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gesprächsprotokoll Videoberatung vom {started:%d.%m.%Y}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Gesprächsprotokoll der Videoberatung</h1>
<p>Schriftlicher Verlauf Ihres Gesprächs (Chat). Bild und Ton werden nicht aufgezeichnet.</p>
<dl>
<dt>Datum</dt><dd>{started:%d.%m.%Y}</dd>
<dt>Kunde/Kundin</dt><dd>{escape(transcript.customer_name)}</dd>
<dt>Berater/in</dt><dd>{escape(consultation.advisor_name)}</dd>
<dt>Beginn</dt><dd>{started:%H:%M:%S}</dd>
<dt>Ende</dt><dd>{ended_text}</dd>
<dt>Verbindung</dt><dd>{mode}</dd>
<dt>Zeitzone</dt><dd>{escape(time_zone)}</dd>
</dl>
<h2>Nachrichten</h2>
<ol>
{body}
</ol>
</main>
</body>
</html>
"""
