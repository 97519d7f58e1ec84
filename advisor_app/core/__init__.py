"""Advisor-side logic without Qt: hub client, consultation state, chat log, engine thread."""
