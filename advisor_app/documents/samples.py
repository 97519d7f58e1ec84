"""Bank-like sample documents the project makes itself, for the demo and the tests:
a three-page product sheet (PDF) and an interest-rate chart (PNG and SVG).

``python -m advisor_app.documents.samples resources/samples`` writes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pymupdf

# Illustrative figures only (no real offer): year, effective rate for 10-year fixed loans.
RATES = [
    (2015, 1.62), (2016, 1.45), (2017, 1.58), (2018, 1.62), (2019, 1.31), (2020, 1.12),
    (2021, 1.09), (2022, 2.95), (2023, 3.86), (2024, 3.52), (2025, 3.41), (2026, 3.58),
]  # fmt: skip

_CSS = """
* { font-family: sans-serif; }
h1 { color: #0b4f6c; font-size: 20pt; margin: 0 0 6pt 0; }
h2 { color: #0b4f6c; font-size: 13pt; margin: 12pt 0 4pt 0; }
p, li, td, th { font-size: 10.5pt; line-height: 1.35; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 0.6pt solid #8aa; padding: 3pt 6pt; text-align: left; }
th { background: #e3eef3; }
.box { background: #fff6d5; border: 0.8pt solid #e0b400; padding: 6pt; }
.small { font-size: 8.5pt; color: #444; }
"""

_PAGES = [
    """
<h1>Produktblatt Baufinanzierung „Zuhause Fest 10“</h1>
<p class="small">Stand: November 2026 · Beispieldokument für die Videoberatung (keine reale Offerte)</p>
<h2>Das Wichtigste auf einen Blick</h2>
<table>
<tr><th>Merkmal</th><th>Ausprägung</th></tr>
<tr><td>Sollzinsbindung</td><td>10 Jahre</td></tr>
<tr><td>Sollzins (gebunden) p. a.</td><td>3,52 %</td></tr>
<tr><td>Effektiver Jahreszins</td><td>3,58 %</td></tr>
<tr><td>Anfängliche Tilgung</td><td>2,00 % p. a. (1–10 % wählbar)</td></tr>
<tr><td>Sondertilgung</td><td>bis 5 % der Darlehenssumme jährlich, kostenfrei</td></tr>
<tr><td>Bereitstellungszins</td><td>0,25 % monatlich ab dem 7. Monat</td></tr>
</table>
<h2>Repräsentatives Beispiel</h2>
<p>Darlehensbetrag 300.000 €, Kaufpreis 400.000 €, Sollzinsbindung 10 Jahre, Sollzins 3,52 %
p. a., effektiver Jahreszins 3,58 %, monatliche Rate 1.380,00 €, Restschuld nach 10 Jahren
223.412,35 €.</p>
<div class="box"><p><b>Hinweis:</b> Die Konditionen sind bonitätsabhängig. Verbindlich sind allein
das persönliche Angebot und der Darlehensvertrag.</p></div>
""",
    """
<h1>Kosten und Rate</h1>
<h2>Monatliche Rate nach Tilgungssatz (300.000 €, 3,52 %)</h2>
<table>
<tr><th>Anfängliche Tilgung</th><th>Monatliche Rate</th><th>Restschuld nach 10 Jahren</th><th>Volltilgung nach</th></tr>
<tr><td>1,0 %</td><td>1.130,00 €</td><td>264.480 €</td><td>ca. 40 Jahren</td></tr>
<tr><td>2,0 %</td><td>1.380,00 €</td><td>223.412 €</td><td>ca. 29 Jahren</td></tr>
<tr><td>3,0 %</td><td>1.630,00 €</td><td>182.345 €</td><td>ca. 23 Jahren</td></tr>
<tr><td>4,0 %</td><td>1.880,00 €</td><td>141.277 €</td><td>ca. 19 Jahren</td></tr>
</table>
<h2>Einmalige Kosten</h2>
<ul>
<li>Wertermittlung: 0 € (bei Darlehen ab 100.000 €)</li>
<li>Notar und Grundbuch: ca. 1,5–2,0 % des Kaufpreises (nicht von der Bank)</li>
<li>Grunderwerbsteuer: je nach Bundesland 3,5–6,5 %</li>
</ul>
<div class="box"><p>Eine höhere Tilgung senkt die Restschuld deutlich und verkürzt die Laufzeit.</p></div>
""",
    """
<h1>Voraussetzungen und nächste Schritte</h1>
<h2>Unterlagen</h2>
<ul>
<li>Einkommensnachweise der letzten drei Monate</li>
<li>Eigenkapitalnachweis (mindestens Erwerbsnebenkosten)</li>
<li>Objektunterlagen: Exposé, Grundbuchauszug, Flurkarte, Wohnflächenberechnung</li>
</ul>
<h2>So geht es weiter</h2>
<table>
<tr><th>Schritt</th><th>Was passiert</th><th>Dauer</th></tr>
<tr><td>1</td><td>Beratung und unverbindliches Angebot</td><td>heute</td></tr>
<tr><td>2</td><td>Unterlagen einreichen</td><td>1–2 Wochen</td></tr>
<tr><td>3</td><td>Kreditentscheidung</td><td>3–5 Werktage</td></tr>
<tr><td>4</td><td>Vertrag und Auszahlung</td><td>nach Notartermin</td></tr>
</table>
<p class="small">Beispieldokument der Videoberatung. Alle Zahlen sind frei erfunden.</p>
""",
]


def product_sheet(path: Path) -> None:
    document = pymupdf.open()
    for index, html in enumerate(_PAGES):
        page = document.new_page(width=595, height=842)  # A4 in points
        page.draw_rect(pymupdf.Rect(0, 0, 595, 28), color=None, fill=(0.043, 0.31, 0.424))
        page.insert_text((36, 19), "Musterbank · Baufinanzierung", fontsize=10, color=(1, 1, 1))
        page.insert_htmlbox(pymupdf.Rect(48, 48, 547, 800), html, css=_CSS)
        page.insert_text((500, 824), f"Seite {index + 1} von {len(_PAGES)}", fontsize=8)
    document.set_metadata({"title": "Produktblatt Baufinanzierung", "author": "Musterbank"})
    document.save(path, garbage=4, deflate=True)
    document.close()


def _chart_points(
    left: float, top: float, width: float, height: float
) -> list[tuple[float, float]]:
    low, high = 0.5, 4.5
    first, last = RATES[0][0], RATES[-1][0]
    return [
        (
            left + (year - first) / (last - first) * width,
            top + height - (rate - low) / (high - low) * height,
        )
        for year, rate in RATES
    ]


def rate_chart_png(path: Path) -> None:
    document = pymupdf.open()
    page = document.new_page(width=800, height=450)
    page.draw_rect(page.rect, color=None, fill=(1, 1, 1))
    page.insert_text(
        (60, 40), "Bauzinsen 10 Jahre fest, effektiv p. a. (Beispielwerte)", fontsize=16
    )
    left, top, width, height = 70.0, 70.0, 690.0, 320.0
    for level in range(1, 5):
        y = top + height - (level - 0.5) / 4.0 * height
        page.draw_line((left, y), (left + width, y), color=(0.85, 0.85, 0.85), width=0.8)
        page.insert_text((30, y + 4), f"{level},0 %", fontsize=10)
    points = _chart_points(left, top, width, height)
    page.draw_polyline(points, color=(0.043, 0.31, 0.424), width=3)
    for (x, y), (year, _) in zip(points, RATES, strict=True):
        page.draw_circle((x, y), 4, color=(0.043, 0.31, 0.424), fill=(1, 1, 1), width=2)
        page.insert_text((x - 14, top + height + 20), str(year), fontsize=10)
    page.get_pixmap(dpi=144, alpha=False).save(path)
    document.close()


def rate_chart_svg(path: Path) -> None:
    left, top, width, height = 70.0, 70.0, 690.0, 320.0
    points = _chart_points(left, top, width, height)
    polyline = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    labels = "".join(
        f'<text x="{x - 14:.1f}" y="{top + height + 20:.1f}" font-size="12">{year}</text>'
        for (x, _), (year, _) in zip(points, RATES, strict=True)
    )
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#0b4f6c" stroke-width="2"/>'
        for x, y in points
    )
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" '
        'viewBox="0 0 800 450" font-family="sans-serif">'
        '<rect width="800" height="450" fill="#fff"/>'
        '<text x="60" y="40" font-size="18">Bauzinsen 10 Jahre fest (Beispielwerte)</text>'
        f'<polyline points="{polyline}" fill="none" stroke="#0b4f6c" stroke-width="3"/>'
        f"{dots}{labels}</svg>\n",
        encoding="utf-8",
    )


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        folder / "Produktblatt-Baufinanzierung.pdf",
        folder / "Zinsentwicklung.png",
        folder / "Zinsentwicklung.svg",
    ]
    product_sheet(made[0])
    rate_chart_png(made[1])
    rate_chart_svg(made[2])
    return made


if __name__ == "__main__":
    for written in write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/samples")):
        print(written)
