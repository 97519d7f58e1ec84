"""Where sealed segments wait on the advisor's machine until the hub has them."""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from advisor_app.protocol.recording import SegmentError, SegmentHeader, read_header

SUFFIX = ".vbrec"


@dataclass(frozen=True, slots=True)
class StoredSegment:
    path: Path
    header: SegmentHeader
    size: int


def hub_folder(root: Path, hub_url: str) -> Path:
    """Each hub's segments apart (an advisor may sign in to a test hub and the real one);
    named by a hash, so the folder's name tells nothing about the bank."""
    return root / hashlib.sha256(hub_url.encode()).hexdigest()[:16]


class SegmentStore:
    """One folder of sealed segments (``{consultation}-{part}-{seq}.vbrec``), readable by
    the user alone."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def write(self, header: SegmentHeader, blob: bytes) -> Path:
        """Durably: a temporary file flushed to disk, then renamed into place."""
        self._ensure()
        name = f"{header.consultation_id}-{header.part}-{header.seq:06d}{SUFFIX}"
        final = self.folder / name
        temporary = final.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, final)
        if hasattr(os, "O_DIRECTORY"):  # the rename itself on disk (POSIX)
            folder = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        return final

    def pending(self) -> list[StoredSegment]:
        """Every whole segment here, oldest recording and segment first (a segment being
        written has its temporary name until it is whole)."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            if path.suffix != SUFFIX:
                continue
            try:
                blob = path.read_bytes()
                header, _ = read_header(blob)
            except (OSError, SegmentError):
                continue
            found.append(StoredSegment(path, header, len(blob)))
        found.sort(key=lambda s: (s.header.consultation_id, s.header.part, s.header.seq))
        return found

    def discard_partial(self) -> None:
        """Drop what a crash left half-written; only before any recorder runs here."""
        if self.folder.is_dir():
            for path in self.folder.glob("*.tmp"):
                with contextlib.suppress(OSError):
                    path.unlink()

    @staticmethod
    def remove(segment: StoredSegment) -> None:
        with contextlib.suppress(FileNotFoundError):
            segment.path.unlink()
