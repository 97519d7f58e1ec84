"""PySide6 views and widgets: they present and forward, nothing else."""
