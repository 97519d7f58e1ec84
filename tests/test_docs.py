"""The README documents every setting of the hub and the workstation."""

from __future__ import annotations

from pathlib import Path

from advisor_app.core.app_config import setting_docs as app_settings
from advisor_app.hub.config import setting_docs as hub_settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_readme_starts_with_the_two_setup_commands() -> None:
    commands = [line for line in README.splitlines()[:6] if line.startswith("bash ")]
    assert [c.split("#")[0].strip() for c in commands] == [
        "bash scripts/setup.sh demo",
        "bash scripts/setup.sh test",
    ]


def test_every_hub_setting_is_documented() -> None:
    missing = [env for _, env, _, _ in hub_settings() if f"`{env}`" not in README]
    assert missing == []


def test_every_workstation_setting_is_documented() -> None:
    missing = [env for _, env, _ in app_settings() if f"`{env}`" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text("utf-8")
    assert "bash scripts/setup.sh test" in ci
