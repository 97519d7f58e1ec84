"""The few kinds of error the workstation distinguishes (see STYLE.md), and the one hook for
bugs.

- user-facing (``UserFacingError``): shown as it is, in the user's language;
- cancelled (``asyncio.CancelledError``, ``UserCancelled``): silent;
- everything else is a bug: logged with its traceback, from whichever thread, and handed to
  the one hook (the app's reporter shows it once per distinct traceback).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import StrEnum
from types import TracebackType

from advisor_app.observe import on_handler_failure

logger = logging.getLogger(__name__)


class Problem(StrEnum):
    """What went wrong, for the UI to say in the user's language."""

    WRONG_CREDENTIALS = "wrong_credentials"
    RATE_LIMITED = "rate_limited"
    HUB_UNREACHABLE = "hub_unreachable"
    HUB_REFUSED = "hub_refused"  # the hub answered with an error (code and message in detail)
    LOGIN_EXPIRED = "login_expired"
    NOBODY_WAITING = "nobody_waiting"
    ALREADY_TAKEN = "already_taken"
    IN_CONSULTATION = "in_consultation"
    NOT_CONNECTED = "not_connected"
    INSECURE_KEYRING = "insecure_keyring"
    RECORDING_FAILED = "recording_failed"  # the recorder stopped on an error (issue 18)


class UserFacingError(Exception):
    """An error a person can act on: ``problem`` picks the translated text, ``detail`` adds
    what the hub or the system said."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail


class UserCancelled(Exception):
    """The person cancelled; nothing to report."""


class ErrorKind(StrEnum):
    USER_FACING = "user_facing"
    CANCELLED = "cancelled"
    BUG = "bug"


def kind_of(error: BaseException) -> ErrorKind:
    if isinstance(error, UserFacingError):
        return ErrorKind.USER_FACING
    if isinstance(error, asyncio.CancelledError | UserCancelled):
        return ErrorKind.CANCELLED
    return ErrorKind.BUG


BugHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def _log_bug(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    logger.error("unexpected error", exc_info=(kind, error, trace))


_bug_hook: BugHook = _log_bug


def set_bug_hook(hook: BugHook | None) -> None:
    """Where bugs go (the app's reporter); None: only the log. Any thread may report."""
    global _bug_hook
    _bug_hook = hook or _log_bug


def report(error: BaseException) -> None:
    """An error nobody handled: silent if cancelled, a warning if the user could have been
    told (a view forgot to), the bug hook otherwise."""
    kind = kind_of(error)
    if kind == ErrorKind.CANCELLED:
        return
    if kind == ErrorKind.USER_FACING:
        logger.warning("not shown where it happened: %s", error)
        return
    _bug_hook(type(error), error, error.__traceback__)


# A failing event handler (advisor_app.observe) is an error nobody handled, too.
on_handler_failure(report)


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    """For the engine's loop: what a task or callback raised and nobody awaited."""
    error = context.get("exception")
    if isinstance(error, BaseException):
        report(error)
    else:
        logger.error("engine loop: %s", context.get("message"))
