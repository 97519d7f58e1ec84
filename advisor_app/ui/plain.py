"""Someone else's words (a customer's name, chat, a document's title, a file name, a device
name, a hub's error text) shown in Qt widgets as text, never as markup.

Qt guesses: a QLabel in its default ``AutoText`` format, a tooltip and a message box treat a
string as rich text when ``Qt::mightBeRichText`` says so, and then ``<img src="/dev/zero">``
reads a file (or aborts the app), ``<table width=9999>`` makes a window-wide tooltip. A tab
title or a button makes ``&x`` a keyboard mnemonic. Every such widget goes through here.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows ``text`` as it is, whatever it looks like."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def make_plain(*labels: QLabel) -> None:
    """Labels made elsewhere (by a layout, a dialog) from now on show plain text."""
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as it is: rich text of our own making (Qt cannot mistake
    it for anything else) with the words escaped; line breaks and spaces are kept."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def no_mnemonic(text: str) -> str:
    """For tab titles, buttons, actions, menu entries: ``&`` is shown as ``&``, not as a
    keyboard shortcut."""
    return text.replace("&", "&&")


def plain_message_box(
    icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
) -> QMessageBox:
    """A message box whose text (which may quote others) is plain text."""
    box = QMessageBox(icon, title, "", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box
