"""Frozen (PyInstaller), the app picks the platform's secure keyring backend explicitly: keyring's
entry points are gone there, and whatever a keyringrc or PYTHON_KEYRING_BACKEND names (a
plaintext file, say) must not be used."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from keyring.errors import KeyringError

from advisor_app.core import credentials


class FakeSecureKeyring(keyring.backend.KeyringBackend):
    """Stands in for the platform's store (Credential Manager, Keychain, Secret Service)."""

    priority = 5  # type: ignore[assignment]
    items: dict[tuple[str, str], str] = {}  # noqa: RUF012

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class UnusableKeyring(FakeSecureKeyring):
    """A store the machine does not offer right now (no D-Bus session, say)."""

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("The Secret Service daemon is neither running nor activatable")


class PlaintextKeyring(FakeSecureKeyring):
    """What a keyringrc could name: must never receive a token."""


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(credentials, "_chosen", None)
    FakeSecureKeyring.items = {}
    keyring.set_keyring(PlaintextKeyring())
    yield
    keyring.set_keyring(previous)


def use_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setitem(credentials.PLATFORM_BACKENDS, sys.platform, (__name__, name))


def test_frozen_the_platform_backend_is_chosen_not_the_configured_one(
    frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, "FakeSecureKeyring")
    assert credentials.secure_store_available() == (
        True,
        "test_credentials_frozen.FakeSecureKeyring",
    )
    credentials.save_token("https://hub.bank.example", "anna", "token-1")
    assert credentials.load_token("https://hub.bank.example", "anna") == "token-1"
    assert FakeSecureKeyring.items == {
        (credentials.SERVICE, "anna@https://hub.bank.example"): "token-1"
    }
    assert isinstance(keyring.get_keyring(), FakeSecureKeyring)  # keyring's own calls agree
    credentials.forget_token("https://hub.bank.example", "anna")
    assert FakeSecureKeyring.items == {}


def test_frozen_without_a_usable_store_nothing_is_kept_and_the_reason_is_said(
    frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, "UnusableKeyring")
    available, reason = credentials.secure_store_available()
    assert not available
    assert "UnusableKeyring" in reason and "Secret Service daemon" in reason
    with pytest.raises(KeyringError):
        credentials.save_token("https://hub.bank.example", "anna", "token-1")
    assert credentials.load_token("https://hub.bank.example", "anna") is None
    assert FakeSecureKeyring.items == {}  # the plaintext keyring got nothing either


def test_frozen_a_backend_missing_from_the_bundle_is_named(
    frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        credentials.PLATFORM_BACKENDS, sys.platform, ("keyring.backends.NotBundled", "Keyring")
    )
    available, reason = credentials.secure_store_available()
    assert not available
    assert "missing from this installation" in reason


def test_every_platform_names_a_secure_backend_that_exists() -> None:
    for platform in ("win32", "darwin", "linux", "freebsd14"):
        backend_class = credentials.platform_backend_class(platform)
        assert issubclass(backend_class, keyring.backend.KeyringBackend)
        assert "plaintext" not in backend_class.__name__.lower()
        assert not backend_class.__module__.startswith(("keyring.backends.fail", "keyrings.alt"))
    assert credentials.platform_backend_class("win32").__name__ == "WinVaultKeyring"
