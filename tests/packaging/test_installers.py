"""What bank IT found in the installers (issue 20), checked in their sources: the MSI refuses a
hub address without a scheme before installing, replaces a same-version rebuild, and links the
bank's help page only when given one; the macOS package is not relocatable and the app asks
for the local network with a reason, on the macOS the Qt in use supports."""

from __future__ import annotations

import plistlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"


def _package() -> ET.Element:
    package = ET.parse(PACKAGING / "windows" / "advisor-app.wxs").getroot().find(f"{WIX}Package")
    assert package is not None
    return package


def test_the_msi_refuses_a_hub_address_without_a_scheme() -> None:
    (launch,) = list(_package().iter(f"{WIX}Launch"))
    condition = launch.get("Condition", "")
    assert 'HUB_URL << "https://"' in condition
    assert condition.startswith("Installed OR NOT HUB_URL")  # repairs and no address pass
    assert "https://" in launch.get("Message", "")


def test_a_same_version_rebuild_replaces_the_installed_one() -> None:
    upgrade = _package().find(f"{WIX}MajorUpgrade")
    assert upgrade is not None and upgrade.get("AllowSameVersionUpgrades") == "yes"


def test_the_help_link_is_the_banks_own_or_none() -> None:
    package = _package()
    properties = {p.get("Id"): p for p in package.iter(f"{WIX}Property")}
    assert "ARPHELPLINK" not in properties  # no placeholder
    assert properties["HELP_URL"].get("Secure") == "yes"
    (setter,) = [s for s in package.iter(f"{WIX}SetProperty") if s.get("Id") == "ARPHELPLINK"]
    assert setter.get("Value") == "[HELP_URL]" and setter.get("Condition") == "HELP_URL"


def test_macos_package_and_bundle() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["LSMinimumSystemVersion"] == "13.0"
    assert "lokalen Netz" in info["NSLocalNetworkUsageDescription"]
    build = (PACKAGING / "macos" / "build.sh").read_text("utf-8")
    assert "--component-plist" in build
    assert re.search(r"BundleIsRelocatable -bool NO", build)
    assert "pkgbuild --component" not in build
