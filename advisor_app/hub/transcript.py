"""The print-friendly transcript page of a consultation, worded as the record."""

from __future__ import annotations

import base64
import hashlib
from html import escape

from advisor_app.hub.record_text import Wording
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


def render_transcript_html(transcript: Transcript) -> str:
    """The print page, in the customer's language and the hub's time zone, worded as the
    record (every name and text escaped: they are the customer's own input)."""
    say = Wording(transcript.language, transcript.time_zone)
    consultation = transcript.consultation
    started = consultation.started_at
    ended = consultation.ended_at
    rows = []
    for message in transcript.messages:
        rows.append(
            f'<li><div class="meta"><time datetime="{message.sent_at.isoformat()}">'
            f"{say.time(message.sent_at)}</time> · {escape(message.author_name)}</div>"
            f'<div class="text">{escape(message.text)}</div></li>'
        )
    body = "\n".join(rows) if rows else f"<li>{escape(say('messages_none'))}</li>"
    bank = transcript.bank
    bank_lines = (
        "<br>".join(escape(part) for part in (bank.name, bank.address, bank.contact) if part)
        if bank
        else ""
    )
    facts = [
        (say("reference"), transcript.reference),
        (say("date"), say.date(started)),
        (say("start"), say.time(started)),
        (say("end"), say.time(ended) if ended else say("running")),
        (say("time_zone"), say.zone_label(started)),
        (say("customer"), transcript.customer_name),
        (say("advisor"), consultation.advisor_name),
        (say("mode"), say.mode(consultation.mode)),
    ]
    facts_html = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    title = say("transcript_title")
    return f"""<!doctype html>
<html lang="{transcript.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} {escape(transcript.reference)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<p class="meta">{bank_lines}</p>
<h1>{escape(title)}</h1>
<p>{escape(say("transcript_note"))}</p>
<dl>
{facts_html}
</dl>
<h2>{escape(say("messages"))}</h2>
<ol>
{body}
</ol>
</main>
</body>
</html>
"""
