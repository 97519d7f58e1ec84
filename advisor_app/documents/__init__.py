"""Document rendering (pymupdf in a process pool), image documents, exports (no Qt)."""
