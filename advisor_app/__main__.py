"""``advisor-app``: the advisor workstation."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    # Imported here so that ``--help`` of other entry points never loads Qt.
    from advisor_app.ui.app import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
