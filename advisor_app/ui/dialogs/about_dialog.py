"""Help → About: the version, the licence, where the source is, and the third-party notices of
what the workstation bundles (the bank's legal review and every advisor can read them)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from advisor_app import __version__
from advisor_app.paths import resources_dir

NOTICES = "THIRD-PARTY-NOTICES-workstation.txt"


def notices_text() -> str:
    path = resources_dir() / "licenses" / NOTICES
    try:
        return path.read_text("utf-8")
    except OSError:
        return ""


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About Videoberatung"))
        self.setAccessibleName(self.tr("About Videoberatung"))
        heading = QLabel(self.tr("Videoberatung %1").replace("%1", __version__))
        heading.setObjectName("product-header")
        self.licence = QLabel(
            self.tr(
                "Free software under the GNU Affero General Public License, version 3 or later "
                "(AGPL-3.0-or-later): you may use, study, share and change it. Your IT "
                "department has its source code. PyMuPDF, which shows the documents, is "
                "AGPL-3.0 or under a commercial licence from Artifex."
            )
        )
        self.licence.setWordWrap(True)
        self.notices = QPlainTextEdit()
        self.notices.setReadOnly(True)
        self.notices.setAccessibleName(self.tr("Third-party licences"))
        text = notices_text()
        self.notices.setPlainText(
            text or self.tr("The third-party notices are missing from this installation.")
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.licence)
        layout.addWidget(QLabel(self.tr("Third-party licences:")))
        layout.addWidget(self.notices, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
