"""Local devices through Qt Multimedia and drawing video."""
