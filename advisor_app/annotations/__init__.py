"""The annotation model: strokes, pins, pointer, undo; pure data and serialisation."""
