"""The only place that touches the system keyring: the hub login token, never the password.

A token is kept only in a secure backend (Windows Credential Manager, macOS Keychain, Secret
Service); with none available, "stay signed in" is off and the reason is said.

keyring finds its backends through package entry points. A frozen app (PyInstaller) has lost
them, and a user's keyringrc or PYTHON_KEYRING_BACKEND could name a plaintext store: frozen, the
platform's secure backend is chosen explicitly (see ``PLATFORM_BACKENDS``), and nothing else.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys

import keyring
import keyring.backend
from keyring.errors import KeyringError, PasswordDeleteError

logger = logging.getLogger(__name__)

SERVICE = "Videoberatung advisor-app"

_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")

# sys.platform -> (module, class) of the secure store; other Unix systems use Secret Service.
PLATFORM_BACKENDS = {
    "win32": ("keyring.backends.Windows", "WinVaultKeyring"),
    "darwin": ("keyring.backends.macOS", "Keyring"),
    "linux": ("keyring.backends.SecretService", "Keyring"),
}

_chosen: keyring.backend.KeyringBackend | None = None  # frozen: the platform backend, once usable


def _describe(backend_class: type) -> str:
    """e.g. SecretService.Keyring, Windows.WinVaultKeyring, macOS.Keyring."""
    return f"{backend_class.__module__.rsplit('.', 1)[-1]}.{backend_class.__name__}"


def _is_secure(backend: keyring.backend.KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(_INSECURE_MODULES) or "plaintext" in type(backend).__name__.lower():
        return False
    inner = getattr(backend, "backends", None)  # the chainer: secure if any member is
    if inner is not None:
        return any(_is_secure(member) for member in inner)
    return True


def platform_backend_class(platform: str = sys.platform) -> type[keyring.backend.KeyringBackend]:
    """The secure backend's class for a platform (ImportError when it is not in the bundle)."""
    module, name = PLATFORM_BACKENDS.get(platform, PLATFORM_BACKENDS["linux"])
    backend_class: type[keyring.backend.KeyringBackend] = getattr(
        importlib.import_module(module), name
    )
    return backend_class


def choose_platform_backend(
    platform: str = sys.platform,
) -> tuple[keyring.backend.KeyringBackend | None, str]:
    """Select the platform's secure backend explicitly: (backend, its name), or (None, why not)
    when it cannot be used on this machine now (asked again next time: a Secret Service may
    start later in the session)."""
    global _chosen
    if _chosen is not None:
        return _chosen, _describe(type(_chosen))
    try:
        backend_class = platform_backend_class(platform)
    except ImportError as error:
        return None, f"the credential store's module is missing from this installation: {error}"
    try:
        backend_class.priority  # noqa: B018  # raises when the store cannot be used here
    except Exception as error:
        return None, (
            f"the system's credential store ({_describe(backend_class)}) cannot be used: {error}"
        )
    _chosen = backend_class()
    keyring.set_keyring(_chosen)
    return _chosen, _describe(backend_class)


def _backend() -> tuple[keyring.backend.KeyringBackend | None, str]:
    """The backend to keep the token in and its name, or None and why there is none."""
    if getattr(sys, "frozen", False):
        backend, detail = choose_platform_backend()
        if backend is not None:
            return backend, detail
    else:
        backend = keyring.get_keyring()
        if _is_secure(backend):
            return backend, _describe(type(backend))
        detail = f"found {_describe(type(backend))}"
    return None, (
        "no secure credential store (Windows Credential Manager, macOS Keychain or a Secret "
        f"Service such as GNOME Keyring) is available; {detail}"
    )


def secure_store_available() -> tuple[bool, str]:
    """(available, name of the backend or why not)."""
    backend, detail = _backend()
    return backend is not None, detail


def _account(hub_url: str, username: str) -> str:
    return f"{username}@{hub_url}"


def save_token(hub_url: str, username: str, token: str) -> None:
    backend, detail = _backend()
    if backend is None:
        raise KeyringError(detail)
    backend.set_password(SERVICE, _account(hub_url, username), token)


def load_token(hub_url: str, username: str) -> str | None:
    backend, _ = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, _account(hub_url, username))
    except KeyringError:
        logger.warning("could not read the stored login", exc_info=True)
        return None


def forget_token(hub_url: str, username: str) -> None:
    backend, _ = _backend()
    if backend is None:
        return
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        backend.delete_password(SERVICE, _account(hub_url, username))


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps nothing beyond the process: for the gallery, the benchmarks and the
    tests, so that a person's own credential store is never touched."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's is unannotated
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)
