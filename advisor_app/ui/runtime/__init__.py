"""Runtime plumbing: the engine thread, its events to the UI thread, the actions the views call,
the event loop, start-up helpers."""
