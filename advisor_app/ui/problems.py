"""The user's-language text for each kind of problem the core reports."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from advisor_app.core.errors import Problem, UserFacingError

# One line each: lupdate reads these literally.
_TEXTS = {
    Problem.WRONG_CREDENTIALS: QT_TRANSLATE_NOOP("Problems", "Wrong user name or password."),
    Problem.RATE_LIMITED: QT_TRANSLATE_NOOP("Problems", "Too many failed sign-ins. Wait a few minutes, then try again."),  # noqa: E501
    Problem.HUB_UNREACHABLE: QT_TRANSLATE_NOOP("Problems", "The hub cannot be reached. Check the hub address and the network connection."),  # noqa: E501
    Problem.HUB_REFUSED: QT_TRANSLATE_NOOP("Problems", "The hub refused this:"),
    Problem.LOGIN_EXPIRED: QT_TRANSLATE_NOOP("Problems", "Your sign-in has expired. Please sign in again."),  # noqa: E501
    Problem.NOBODY_WAITING: QT_TRANSLATE_NOOP("Problems", "Nobody is waiting."),
    Problem.ALREADY_TAKEN: QT_TRANSLATE_NOOP("Problems", "This customer has just been taken by another advisor or has left."),  # noqa: E501
    Problem.IN_CONSULTATION: QT_TRANSLATE_NOOP("Problems", "End the current consultation first."),
    Problem.NOT_CONNECTED: QT_TRANSLATE_NOOP("Problems", "Not connected to the hub right now; the connection is being restored."),  # noqa: E501
    Problem.INSECURE_KEYRING: QT_TRANSLATE_NOOP("Problems", "No secure credential store is available."),  # noqa: E501
}  # fmt: skip


def describe(error: UserFacingError) -> str:
    text = QCoreApplication.translate("Problems", _TEXTS[error.problem])
    if error.problem == Problem.HUB_REFUSED and error.detail:
        return f"{text} {error.detail}"
    return text
