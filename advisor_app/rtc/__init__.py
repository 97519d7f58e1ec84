"""aiortc: peer connection, media tracks, data-channel codec, stats (no Qt)."""
