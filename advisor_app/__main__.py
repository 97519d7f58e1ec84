"""``advisor-app``: the advisor workstation."""

from __future__ import annotations

import importlib.util
import sys

# What only the workstation needs (the extra "workstation"); the hub's install lacks them.
WORKSTATION_MODULES = ("PySide6", "qasync", "aiortc", "pymupdf", "keyring", "numpy")


def missing_workstation_modules() -> list[str]:
    return [name for name in WORKSTATION_MODULES if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    if missing := missing_workstation_modules():
        # A hub-only install has this script too (one distribution): say what to do.
        print(
            "advisor-app: the workstation is not installed here (missing: "
            f"{', '.join(missing)}); install it with: pip install 'advisor-app[workstation]'",
            file=sys.stderr,
        )
        return 2
    # Imported here so that ``--help`` of other entry points never loads Qt.
    from advisor_app.ui.app import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
