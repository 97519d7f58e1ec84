"""Sign in: hub address (fixed when IT preset it), user name, password, stay signed in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core import credentials
from advisor_app.core.errors import UserFacingError
from advisor_app.ui.plain import plain_label
from advisor_app.ui.problems import describe
from advisor_app.ui.runtime.event_loop import async_slot

if TYPE_CHECKING:
    from advisor_app.protocol.rest import LoginResponse


class SignsIn(Protocol):
    """What the dialog needs: the workstation, before there is a session."""

    async def sign_in(
        self, hub_url: str, username: str, password: str, *, stay_signed_in: bool
    ) -> LoginResponse: ...


LOGO_HEIGHT = 40


class LoginDialog(QDialog):
    def __init__(
        self,
        workstation: SignsIn,
        *,
        hub_url: str,
        hub_url_locked: bool,
        username: str = "",
        stay_signed_in: bool = False,
        stay_signed_in_allowed: bool = True,
        bank_name: str = "",
        bank_logo: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``bank_name`` and ``bank_logo`` (a file) brand the header, as IT preset them."""
        super().__init__(parent)
        self._workstation = workstation
        self.setWindowTitle(self.tr("Videoberatung – sign in"))
        self.setAccessibleName(self.tr("Sign in"))

        self.hub_url = QLineEdit(hub_url)
        self.hub_url.setAccessibleName(self.tr("Hub address"))
        self.hub_url.setPlaceholderText("https://videoberatung.bank.example")
        if hub_url_locked:
            self.hub_url.setReadOnly(True)
            self.hub_url.setToolTip(self.tr("Set by your IT department"))
        self.username = QLineEdit(username)
        self.username.setAccessibleName(self.tr("User name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.stay = QCheckBox(self.tr("Stay signed in"))
        self.stay.setAccessibleName(self.tr("Stay signed in"))
        secure, reason = credentials.secure_store_available()
        if not stay_signed_in_allowed:
            self.stay.setEnabled(False)
            self.stay.setToolTip(self.tr("Your IT department has switched this off."))
        elif not secure:
            self.stay.setEnabled(False)
            self.stay.setToolTip(
                self.tr("Not available: this computer has no secure credential store.")
                + f" ({reason})"
            )
        else:
            self.stay.setChecked(stay_signed_in)
        self.stay_reason = self.stay.toolTip()

        self.error = plain_label()  # may quote the hub's answer
        self.error.setWordWrap(True)
        self.error.setObjectName("error")
        self.error.setAccessibleName(self.tr("Sign-in message"))
        self.error.hide()

        form = QFormLayout()
        form.addRow(self.tr("&Hub:"), self.hub_url)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow("", self.stay)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(self.tr("Sign in"))
        self.sign_in_button.setAccessibleName(self.tr("Sign in"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self._on_sign_in_clicked)
        self.buttons.rejected.connect(self.reject)

        self.header = QLabel(
            f"{bank_name} · {self.tr('Videoberatung')}" if bank_name else self.tr("Videoberatung")
        )
        self.header.setObjectName("product-header")
        self.header.setTextFormat(Qt.TextFormat.PlainText)  # a name from a policy, as it is
        self.logo = QLabel()
        self.logo.setObjectName("bank-logo")
        self.logo.setVisible(False)
        if bank_logo:
            # QIcon draws SVG as well as PNG/JPEG, sharp at the screen's pixel ratio.
            pixmap = QIcon(bank_logo).pixmap(QSize(200, LOGO_HEIGHT), self.devicePixelRatioF())
            if not pixmap.isNull():
                self.logo.setPixmap(pixmap)
                self.logo.setAccessibleName(bank_name or self.tr("Bank logo"))
                self.logo.setVisible(True)
        self.subtitle = QLabel(self.tr("Video advice for your customers. Sign in to start."))
        self.subtitle.setObjectName("product-subtitle")
        self.subtitle.setWordWrap(True)
        heading = QHBoxLayout()
        heading.addWidget(self.logo)
        heading.addWidget(self.header, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(heading)
        layout.addWidget(self.subtitle)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.hub_url.setMinimumWidth(280)
        (self.password if username else self.username).setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @async_slot()
    async def _on_sign_in_clicked(self) -> None:
        if not self.hub_url.text().strip() or not self.username.text().strip():
            self.show_error(self.tr("Enter the hub address and your user name."))
            return
        if not self.password.text():
            self.show_error(self.tr("Enter your password."))
            return
        self.sign_in_button.setEnabled(False)
        self.error.hide()
        try:
            await self._workstation.sign_in(
                self.hub_url.text(),
                self.username.text().strip(),
                self.password.text(),
                stay_signed_in=self.stay.isChecked(),
            )
        except UserFacingError as error:
            self.show_error(describe(error))
        else:
            self.password.clear()
            self.accept()
        finally:
            self.sign_in_button.setEnabled(True)
