"""Dialogs: sign-in and settings."""
