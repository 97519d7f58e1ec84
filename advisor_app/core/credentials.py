"""The only place that touches the system keyring: the hub login token, never the password.

A token is kept only in a secure backend (Windows Credential Manager, macOS Keychain, Secret
Service); with none available, "stay signed in" is off and the reason is said.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
import keyring.backend
from keyring.errors import KeyringError, PasswordDeleteError

logger = logging.getLogger(__name__)

SERVICE = "Videoberatung advisor-app"

_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def _is_secure(backend: keyring.backend.KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(_INSECURE_MODULES) or "plaintext" in type(backend).__name__.lower():
        return False
    inner = getattr(backend, "backends", None)  # the chainer: secure if any member is
    if inner is not None:
        return any(_is_secure(member) for member in inner)
    return True


def secure_store_available() -> tuple[bool, str]:
    """(available, name of the backend or why not)."""
    backend = keyring.get_keyring()
    if _is_secure(backend):
        return True, type(backend).__name__
    return False, (
        "no secure credential store (Windows Credential Manager, macOS Keychain or a Secret "
        f"Service such as GNOME Keyring) is available; found {type(backend).__name__}"
    )


def _account(hub_url: str, username: str) -> str:
    return f"{username}@{hub_url}"


def save_token(hub_url: str, username: str, token: str) -> None:
    available, reason = secure_store_available()
    if not available:
        raise KeyringError(reason)
    keyring.set_password(SERVICE, _account(hub_url, username), token)


def load_token(hub_url: str, username: str) -> str | None:
    if not secure_store_available()[0]:
        return None
    try:
        return keyring.get_password(SERVICE, _account(hub_url, username))
    except KeyringError:
        logger.warning("could not read the stored login", exc_info=True)
        return None


def forget_token(hub_url: str, username: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _account(hub_url, username))
