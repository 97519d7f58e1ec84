"""The gallery: its reachability check finds what an advisor cannot reach (so it cannot pass
by looking at nothing), and the gallery itself renders every screen and reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import (
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from advisor_app.ui.gallery import (
    SCREENS,
    picture_name,
    reachability_problems,
)

ROOT = Path(__file__).resolve().parents[2]

# What the gallery reports at 1366×768 in German while the layout work (issue 13, item 2) is
# under way: the exact lines, so that a fix or a new problem both show here. Empty once every
# action of the consultation is reachable; then the gallery must exit 0.
EXPECTED_PROBLEMS_DE_1366: list[str] = []


def test_the_check_names_actions_in_the_overflow_and_hidden_clipped_covered_controls(
    qtbot: QtBot,
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget()
    layout = QVBoxLayout(central)
    toolbar = QToolBar("Narrow tools")
    actions = [toolbar.addAction(f"A rather long action name {index}") for index in range(8)]
    layout.addWidget(toolbar)
    hidden = QPushButton("Hidden")
    layout.addWidget(hidden)
    hidden.hide()
    splitter = QSplitter()
    kept = QPushButton("Kept")
    squeezed_away = QPushButton("Collapsed")
    splitter.addWidget(kept)
    splitter.addWidget(squeezed_away)
    layout.addWidget(splitter)
    clipped = QLineEdit(central)  # placed by hand, half outside its parent
    covered = QPushButton("Covered", central)
    cover = QPushButton("On top", central)
    window.setCentralWidget(central)
    window.resize(400, 300)
    window.show()
    qtbot.waitExposed(window)
    splitter.setSizes([400, 0])
    clipped.setGeometry(central.width() - 40, 10, 120, 24)
    covered.setGeometry(10, 200, 100, 30)
    cover.setGeometry(0, 190, 140, 50)
    cover.raise_()
    qtbot.wait(50)

    controls = [(f"action {index}", action) for index, action in enumerate(actions)]
    controls += [
        ("hidden", hidden),
        ("kept", kept),
        ("collapsed", squeezed_away),
        ("clipped", clipped),
        ("covered", covered),
        ("missing", None),
    ]
    problems = dict(reachability_problems(window, controls, (400, 300)))

    assert "action 0" not in problems  # the first one fits
    overflowing = [name for name in problems if name.startswith("action")]
    assert overflowing == [f"action {index}" for index in range(8 - len(overflowing), 8)]
    assert len(overflowing) >= 4
    for name in overflowing:
        assert problems[name] == "only in the overflow menu of toolbar 'Narrow tools'"
    assert problems["hidden"] == "hidden"
    assert "kept" not in problems
    assert problems["collapsed"].startswith("collapsed to 0×")
    assert problems["clipped"].startswith("clipped by QWidget")
    assert problems["covered"] == "covered by QPushButton"
    assert problems["missing"].startswith("not found")

    # A window the screen cannot hold is named too.
    assert ("window", "needs 400×300 px, more than the screen") in reachability_problems(
        window, [], (320, 240)
    )

    # Wide enough, every action has its own button.
    window.resize(3000, 300)
    qtbot.waitUntil(lambda: not reachability_problems(window, controls[:8]), timeout=3000)


def run_gallery(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "advisor_app.ui.gallery", "--out", str(out), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_gallery_renders_every_screen_and_reports_what_is_unreachable(
    tmp_path: Path,
) -> None:
    result = run_gallery(tmp_path, "--size", "1366x768", "--lang", "de")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    for screen in SCREENS:
        picture = tmp_path / picture_name(screen, "de", (1366, 768))
        assert picture.is_file(), f"{picture.name} missing\n{result.stdout}"
        assert picture.read_bytes().startswith(b"\x89PNG")
        assert picture.stat().st_size > 5_000  # something drawn, not an empty frame
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        picture_name(screen, "de", (1366, 768)) for screen in SCREENS
    )
    problems = [
        line for line in result.stdout.splitlines() if not line.startswith(("note: ", "gallery "))
    ]
    assert problems == EXPECTED_PROBLEMS_DE_1366, result.stdout
    assert result.returncode == (1 if EXPECTED_PROBLEMS_DE_1366 else 0), result.stdout
