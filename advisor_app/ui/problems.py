"""The user's-language text for each kind of problem the core reports, and for each error code
the hub answers with. The hub's own (English) message never reaches the screen: it goes to the
log (``describe`` logs it), the person reads a sentence in their language."""

from __future__ import annotations

import errno
import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from advisor_app.core.errors import Problem, UserFacingError
from advisor_app.protocol.errors import ErrorCode

logger = logging.getLogger(__name__)

# One line each: lupdate reads these literally.
_TEXTS = {
    Problem.WRONG_CREDENTIALS: QT_TRANSLATE_NOOP("Problems", "Wrong user name or password."),
    Problem.RATE_LIMITED: QT_TRANSLATE_NOOP("Problems", "Too many failed sign-ins. Wait a few minutes, then try again."),  # noqa: E501
    Problem.HUB_UNREACHABLE: QT_TRANSLATE_NOOP("Problems", "The hub cannot be reached. Check the hub address and the network connection."),  # noqa: E501
    Problem.HUB_REFUSED: QT_TRANSLATE_NOOP("Problems", "The hub refused this request."),
    Problem.LOGIN_EXPIRED: QT_TRANSLATE_NOOP("Problems", "Your sign-in has expired. Please sign in again."),  # noqa: E501
    Problem.NOBODY_WAITING: QT_TRANSLATE_NOOP("Problems", "Nobody is waiting."),
    Problem.ALREADY_TAKEN: QT_TRANSLATE_NOOP("Problems", "This customer has just been taken by another advisor or has left."),  # noqa: E501
    Problem.IN_CONSULTATION: QT_TRANSLATE_NOOP("Problems", "End the current consultation first."),
    Problem.NOT_CONNECTED: QT_TRANSLATE_NOOP("Problems", "Not connected to the hub right now; the connection is being restored."),  # noqa: E501
    Problem.INSECURE_KEYRING: QT_TRANSLATE_NOOP("Problems", "No secure credential store is available."),  # noqa: E501
    Problem.RECORDING_FAILED: QT_TRANSLATE_NOOP("Problems", "The recording stopped because of an error. What was recorded so far is kept; please tell IT."),  # noqa: E501
}  # fmt: skip

# What the hub's error codes mean to the advisor (the workstation sent the request).
_CODE_TEXTS = {
    ErrorCode.MALFORMED: QT_TRANSLATE_NOOP("HubErrors", "The hub could not read the request. Please report this to IT."),  # noqa: E501
    ErrorCode.INVALID: QT_TRANSLATE_NOOP("HubErrors", "The hub did not accept an entry in the request. Check your input and try again."),  # noqa: E501
    ErrorCode.UNKNOWN_TYPE: QT_TRANSLATE_NOOP("HubErrors", "The hub does not know this request. The workstation and the hub may be of different versions; please tell IT."),  # noqa: E501
    ErrorCode.TOO_LARGE: QT_TRANSLATE_NOOP("HubErrors", "That is too large for the hub."),
    ErrorCode.CONSENT_REQUIRED: QT_TRANSLATE_NOOP("HubErrors", "The customer's consent is missing."),  # noqa: E501
    ErrorCode.CLOSED: QT_TRANSLATE_NOOP("HubErrors", "The consultation service is closed right now."),  # noqa: E501
    ErrorCode.UNAUTHORIZED: QT_TRANSLATE_NOOP("HubErrors", "Your sign-in has expired. Please sign in again."),  # noqa: E501
    ErrorCode.FORBIDDEN: QT_TRANSLATE_NOOP("HubErrors", "You are not allowed to do this."),
    ErrorCode.NOT_FOUND: QT_TRANSLATE_NOOP("HubErrors", "The hub could not find it: the customer has left or it was removed."),  # noqa: E501
    ErrorCode.CONFLICT: QT_TRANSLATE_NOOP("HubErrors", "Someone else was quicker: another advisor has just taken this customer or changed this."),  # noqa: E501
    ErrorCode.RATE_LIMITED: QT_TRANSLATE_NOOP("HubErrors", "Too many requests. Wait a moment, then try again."),  # noqa: E501
    ErrorCode.GONE: QT_TRANSLATE_NOOP("HubErrors", "That is no longer there: the customer's place or the consultation has ended."),  # noqa: E501
    ErrorCode.NOT_ALLOWED: QT_TRANSLATE_NOOP("HubErrors", "That is not possible right now."),
    ErrorCode.UNAVAILABLE: QT_TRANSLATE_NOOP("HubErrors", "The hub cannot store anything right now. Try again later; if it persists, tell IT."),  # noqa: E501
    ErrorCode.INTERNAL: QT_TRANSLATE_NOOP("HubErrors", "The hub ran into an error and did nothing. Try again; if it persists, tell IT."),  # noqa: E501
}  # fmt: skip


def describe_code(code: str) -> str:
    """The sentence for one of the hub's error codes (an unknown one: "refused")."""
    try:
        return QCoreApplication.translate("HubErrors", str(_CODE_TEXTS[ErrorCode(code)]))
    except ValueError:
        return QCoreApplication.translate("Problems", str(_TEXTS[Problem.HUB_REFUSED]))


def describe(error: UserFacingError) -> str:
    """The sentence to show; what the hub or the system said (English) goes to the log only."""
    if error.detail:
        logger.info("shown as %s: %s", error.problem.value, error.detail)
    code = getattr(error, "code", None)  # a HubRequestError (hub_client needs aiohttp: not here)
    if isinstance(code, str):
        return describe_code(code)
    return QCoreApplication.translate("Problems", str(_TEXTS[error.problem]))


# A file that could not be written (saving a record): the system's message is English.
_FILE_TEXTS = {
    errno.EACCES: QT_TRANSLATE_NOOP("FileProblems", "you may not write to that folder"),
    errno.EPERM: QT_TRANSLATE_NOOP("FileProblems", "you may not write to that folder"),
    errno.EROFS: QT_TRANSLATE_NOOP("FileProblems", "that drive cannot be written to"),
    errno.ENOSPC: QT_TRANSLATE_NOOP("FileProblems", "the drive is full"),
    errno.ENOENT: QT_TRANSLATE_NOOP("FileProblems", "that folder does not exist"),
    errno.ENAMETOOLONG: QT_TRANSLATE_NOOP("FileProblems", "the file name is too long"),
    errno.EISDIR: QT_TRANSLATE_NOOP("FileProblems", "a folder has that name"),
}  # fmt: skip


def describe_file_error(error: OSError) -> str:
    """Why a file could not be written, in the user's language; the system's words go to the
    log (they may name a path: at debug level only)."""
    logger.info("file not written: %s (%s)", type(error).__name__, error.errno)
    logger.debug("file not written: %s", error)
    text = _FILE_TEXTS.get(error.errno or 0)
    if text is None:
        return QCoreApplication.translate("FileProblems", "the file could not be written")
    return QCoreApplication.translate("FileProblems", str(text))


def describe_unexpected(error: Exception, what: str) -> str:
    """A failure the user can do nothing about but try again: logged with its traceback (it
    may be a bug), shown without the library's English."""
    logger.error("%s failed", what, exc_info=error)
    return QCoreApplication.translate(
        "Problems", "Something went wrong; the details are in the log file."
    )
