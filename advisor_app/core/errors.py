"""The few kinds of error the workstation distinguishes (see STYLE.md)."""

from __future__ import annotations

from enum import StrEnum


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


class UserFacingError(Exception):
    """An error a person can act on: ``problem`` picks the translated text, ``detail`` adds
    what the hub or the system said."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail


class UserCancelled(Exception):
    """The person cancelled; nothing to report."""
