"""Policies from IT (Windows registry policy key, macOS managed preferences) are locked presets
that win over config files, environment variables and command-line options.

winreg does not exist here: the registry reading is a function of a hive reader, given plain
dicts as Windows would return them (REG_SZ -> str, REG_DWORD -> int). The macOS side reads real
plist files (XML and binary) from a folder laid out like /Library/Managed Preferences.
"""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from advisor_app.core.app_config import (
    MANAGED_DOMAIN,
    POLICY_KEY,
    AppConfigError,
    load_app_config,
    macos_policy_sources,
    policy_settings,
    system_policy_sources,
    windows_policy_sources,
)

REPO = Path(__file__).resolve().parents[2]


def registry(hklm: dict[str, object], hkcu: dict[str, object]):  # type: ignore[no-untyped-def]
    hives = {"HKLM": hklm, "HKCU": hkcu}
    return lambda hive: hives[hive]


def write_plist(path: Path, values: dict[str, object], binary: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        plistlib.dump(values, file, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML)


# --- Windows ---


def test_registry_values_map_to_settings() -> None:
    sources = windows_policy_sources(
        registry(
            {"HubUrl": "https://hub.bank.example", "Language": "de", "AllowStaySignedIn": 0},
            {},
        )
    )
    assert policy_settings(sources) == {
        "hub_url": "https://hub.bank.example",
        "language": "de",
        "allow_stay_signed_in": False,
    }
    assert sources[0][0] == f"HKLM\\{POLICY_KEY}"
    assert POLICY_KEY == r"Software\Policies\Videoberatung\AdvisorApp"


def test_machine_policy_wins_over_the_users() -> None:
    sources = windows_policy_sources(
        registry(
            {"HubUrl": "https://machine.bank.example"},
            {"HubUrl": "https://user.bank.example", "LogLevel": "debug"},
        )
    )
    assert policy_settings(sources) == {
        "hub_url": "https://machine.bank.example",
        "log_level": "debug",  # set only for the user: it applies
    }


def test_value_names_match_without_case_and_unknown_or_empty_ones_are_ignored() -> None:
    sources = windows_policy_sources(
        registry(
            {"hUBurl": "https://hub.bank.example", "FutureSetting": "x", "Language": ""},
            {"allowstaysignedin": 1},
        )
    )
    assert policy_settings(sources) == {
        "hub_url": "https://hub.bank.example",
        "allow_stay_signed_in": True,
    }


def test_a_bad_policy_value_is_an_error_that_names_its_source() -> None:
    sources = windows_policy_sources(registry({}, {"Language": "fr"}))
    with pytest.raises(AppConfigError, match=r"HKCU.*Language.*fr"):
        policy_settings(sources)
    with pytest.raises(AppConfigError, match="AllowStaySignedIn"):
        policy_settings(windows_policy_sources(registry({"AllowStaySignedIn": 7}, {})))
    with pytest.raises(AppConfigError, match="wrong kind"):
        policy_settings(windows_policy_sources(registry({"HubUrl": b"\x00"}, {})))


# --- macOS ---


def test_managed_preferences_of_the_user_win_over_the_devices(tmp_path: Path) -> None:
    write_plist(
        tmp_path / f"{MANAGED_DOMAIN}.plist",
        {"HubUrl": "https://device.bank.example", "AllowStaySignedIn": False},
    )
    write_plist(
        tmp_path / "anna" / f"{MANAGED_DOMAIN}.plist",
        {"HubUrl": "https://user.bank.example", "Language": "en"},
        binary=True,  # what macOS writes
    )
    sources = macos_policy_sources("anna", root=tmp_path)
    assert [Path(where).parent for where, _ in sources] == [tmp_path / "anna", tmp_path]
    assert policy_settings(sources) == {
        "hub_url": "https://user.bank.example",
        "language": "en",
        "allow_stay_signed_in": False,
    }
    # Another user gets only the device's.
    assert policy_settings(macos_policy_sources("ben", root=tmp_path)) == {
        "hub_url": "https://device.bank.example",
        "allow_stay_signed_in": False,
    }


def test_no_managed_preferences_no_policy(tmp_path: Path) -> None:
    assert macos_policy_sources("anna", root=tmp_path) == []
    assert macos_policy_sources("anna", root=tmp_path / "missing") == []


def test_an_unreadable_managed_preferences_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / f"{MANAGED_DOMAIN}.plist").write_bytes(b"not a plist")
    with pytest.raises(AppConfigError, match="cannot read"):
        macos_policy_sources("anna", root=tmp_path)
    write_plist(tmp_path / f"{MANAGED_DOMAIN}.plist", ["a list"])  # type: ignore[arg-type]
    with pytest.raises(AppConfigError, match="not a dictionary"):
        macos_policy_sources("anna", root=tmp_path)


def test_the_example_configuration_profile_sets_valid_policies() -> None:
    with (REPO / "packaging" / "macos" / "advisor-app.mobileconfig").open("rb") as file:
        profile = plistlib.load(file)
    payloads = [p for p in profile["PayloadContent"] if p["PayloadType"] == MANAGED_DOMAIN]
    assert len(payloads) == 1
    settings = policy_settings([("profile", payloads[0])])
    assert settings["hub_url"].startswith("https://")


# --- precedence and locking ---


def test_policies_win_over_file_environment_and_options_and_are_locked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('hub_url = "https://file.bank.example"\nlog_level = "warning"\n')
    environ = {"ADVISOR_APP_HUB_URL": "https://env.bank.example", "ADVISOR_APP_LANGUAGE": "en"}
    policies = windows_policy_sources(
        registry({"HubUrl": "https://policy.bank.example", "AllowStaySignedIn": 0}, {})
    )
    config_value = load_app_config(
        config,
        environ=environ,
        overrides={"hub_url": "https://option.bank.example"},
        policies=policies,
    )
    assert config_value.hub_url == "https://policy.bank.example"
    assert config_value.allow_stay_signed_in is False
    assert config_value.language == "en"  # from the environment: no policy for it
    assert config_value.log_level == "warning"  # from the file
    assert config_value.is_locked("hub_url")
    assert config_value.is_locked("allow_stay_signed_in")


def test_without_policies_the_other_sources_apply_as_before(tmp_path: Path) -> None:
    config = load_app_config(
        None, environ={"ADVISOR_APP_HUB_URL": "https://env.bank.example"}, policies=[]
    )
    assert config.hub_url == "https://env.bank.example"
    assert config.is_locked("hub_url")
    assert not config.is_locked("language")


def test_there_are_no_system_policies_on_linux() -> None:
    assert system_policy_sources("linux") == []


def test_the_bank_brands_the_workstation_by_policy(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"/>')
    config = load_app_config(
        None,
        environ={},
        policies=[
            (
                "HKLM",
                {"BankName": "Musterbank eG", "BankLogo": str(logo), "AccentColour": "#005A9C"},
            )
        ],
    )
    assert (config.bank_name, config.bank_logo, config.accent_colour) == (
        "Musterbank eG",
        str(logo),
        "#005A9C",
    )
    assert {"bank_name", "bank_logo", "accent_colour"} <= config.locked


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"AccentColour": "blue"}, "accent_colour: 'blue' is not a colour like #0b5cad"),
        ({"BankLogo": "/nowhere/logo.png"}, "bank_logo: '/nowhere/logo.png' does not exist"),
        ({"BankLogo": "/etc/hostname"}, "is not a PNG, JPEG or SVG file"),
        ({"BankName": "B" * 61}, "bank_name: 61 characters, at most 60 fit the header"),
    ],
)
def test_bad_branding_is_one_clear_error(
    tmp_path: Path, values: dict[str, object], message: str
) -> None:
    with pytest.raises(AppConfigError) as caught:
        load_app_config(None, environ={}, policies=[("HKLM", values)])
    assert message in str(caught.value)


@pytest.mark.parametrize("address", ["hub.bank.example", "ftp://hub.bank.example", "https://"])
def test_a_hub_address_without_scheme_or_host_is_one_clear_error(address: str) -> None:
    with pytest.raises(AppConfigError) as caught:
        load_app_config(None, environ={}, policies=[("HKLM", {"HubUrl": address})])
    assert f"hub_url: {address!r} is not an address like https://hub.bank.example" in str(
        caught.value
    )


def test_a_bad_log_level_is_one_clear_error() -> None:
    with pytest.raises(AppConfigError) as caught:
        load_app_config(None, environ={"ADVISOR_APP_LOG_LEVEL": "bogus"}, policies=[])
    assert str(caught.value).endswith(
        "log_level: 'bogus' is not one of debug, info, warning, error"
    )
