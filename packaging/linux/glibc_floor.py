"""The oldest C library a one-folder bundle runs on: the highest ``GLIBC_x.y`` that any ELF file
in it requires (its "Version References", read with binutils' ``objdump -p``).

    python packaging/linux/glibc_floor.py dist/advisor-app              prints the floor
    python packaging/linux/glibc_floor.py dist/advisor-app --max 2.36   exit 1 above 2.36

The bundle carries the build machine's libstdc++ and its own Python, so the floor is the build
machine's glibc unless a wheel's library asks for more; ``--max`` turns the supported
distributions (docs/deployment.md) into a check of the build. Exit 2: not a folder, or no
objdump.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
# In objdump -p's "Version References": "    0x0d696914 0x00 05 GLIBC_2.34"
_REFERENCE = re.compile(r"^\s+0x[0-9a-f]+ 0x[0-9a-f]+ \d+ GLIBC_(\d+(?:\.\d+)*)$", re.MULTILINE)

Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def show(version: Version) -> str:
    return ".".join(map(str, version))


def elf_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == ELF_MAGIC:
                    yield path


def required_glibc(path: Path) -> Version | None:
    """The highest glibc version ``path`` requires, or None if it requires none."""
    result = subprocess.run(
        ["objdump", "-p", str(path)], capture_output=True, text=True, check=False
    )
    versions = [parse_version(found) for found in _REFERENCE.findall(result.stdout)]
    return max(versions, default=None)


def floor(folder: Path) -> tuple[Version | None, list[tuple[Version, Path]]]:
    """The bundle's floor and, for each file, what it needs (highest first)."""
    needs = [
        (version, path)
        for path in elf_files(folder)
        if (version := required_glibc(path)) is not None
    ]
    needs.sort(reverse=True)
    return (needs[0][0] if needs else None), needs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the one-folder bundle (dist/advisor-app)")
    parser.add_argument("--max", type=parse_version, help="fail above this glibc, e.g. 2.36")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"glibc_floor: {args.folder} is not a folder", file=sys.stderr)
        return 2
    if shutil.which("objdump") is None:
        print("glibc_floor: objdump not found (Debian: binutils)", file=sys.stderr)
        return 2
    highest, needs = floor(args.folder)
    if highest is None:
        print("needs no GLIBC symbol version")
        return 0
    print(f"needs glibc {show(highest)} ({needs[0][1].relative_to(args.folder)})")
    if args.max is not None and highest > args.max:
        above = [p for v, p in needs if v > args.max]
        print(
            f"glibc_floor: {len(above)} file(s) need more than glibc {show(args.max)}, "
            f"the oldest supported: "
            + ", ".join(str(p.relative_to(args.folder)) for p in above[:10]),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
