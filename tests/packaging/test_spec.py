"""The packaging files are well-formed and agree with the code, without building anything.

The build itself (PyInstaller one-folder + the frozen ``--self-check`` against a hub) takes a
few minutes and is a separate command: ``bash packaging/linux/build.sh``.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import plistlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from advisor_app import __version__
from advisor_app.core.app_config import MANAGED_DOMAIN, POLICY_KEY, POLICY_NAMES
from advisor_app.hub.config import load_settings

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"


def load_bundle() -> ModuleType:
    spec = importlib.util.spec_from_file_location("advisor_bundle", PACKAGING / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle = load_bundle()


# --- the PyInstaller spec ---


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_every_keyring_backend_entry_point_is_a_hidden_import(platform: str) -> None:
    backends = {entry.value.split(":")[0] for entry in entry_points(group="keyring.backends")}
    assert backends, "keyring's entry points are missing from this environment"
    assert backends <= set(bundle.hidden_imports(platform))


def test_the_secure_backends_dependencies_are_hidden_imports() -> None:
    assert "secretstorage" in bundle.hidden_imports("linux")
    assert "jeepney" in bundle.hidden_imports("linux")
    assert "win32ctypes.pywin32.win32cred" in bundle.hidden_imports("win32")


def test_the_spec_compiles_and_uses_the_bundle_lists() -> None:
    source = (PACKAGING / "advisor-app.spec").read_text("utf-8")
    compile(source, "advisor-app.spec", "exec")
    for name in ("hidden_imports", "EXCLUDES", "data_files", "prune_binaries", "read_version"):
        assert f"bundle.{name}" in source
    assert '"entry.py"' in source
    assert "X utf8_mode=1" in source


def test_the_entry_script_calls_freeze_support_before_the_app() -> None:
    tree = ast.parse((PACKAGING / "entry.py").read_text("utf-8"))
    main_block = next(node for node in tree.body if isinstance(node, ast.If))
    calls = [ast.unparse(node) for node in main_block.body]
    assert calls[0] == "multiprocessing.freeze_support()"
    assert any("advisor_app.__main__" in call for call in calls[1:])


def test_what_the_app_does_not_use_is_excluded() -> None:
    for module in ("PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtQuick", "tkinter"):
        assert module in bundle.EXCLUDES
    # The app's own Qt modules are not.
    for module in ("PySide6.QtMultimedia", "PySide6.QtWidgets", "PySide6.QtNetwork"):
        assert module not in bundle.EXCLUDES


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11-integration.so", False),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", True),  # the FFmpeg plugin links it
        ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", False),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/translations/qtbase_en.qm", True),
        ("PySide6/Qt/translations/qtbase_fr.qm", False),
        ("PySide6/Qt/translations/qtmultimedia_pt_BR.qm", False),
        ("resources/translations/advisor_app_de.qm", True),
    ],
)
def test_keep_file(dest: str, kept: bool) -> None:
    assert bundle.keep_file(dest) is kept


def test_prune_binaries_drops_what_only_left_out_plugins_needed() -> None:
    binaries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/src/libcairo.so.2", "BINARY"),
        ("libglib-2.0.so.0", "/src/libglib-2.0.so.0", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
    ]
    graph = {
        "/src/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6"],
        "/src/libgtk-3.so.0": ["libcairo.so.2", "libglib-2.0.so.0"],
        "/src/libQt6Gui.so.6": ["libglib-2.0.so.0"],
    }
    kept, dropped = bundle.prune_binaries(
        binaries, bundle.keep_file, lambda source: graph.get(source, [])
    )
    # libQt6Gui is inside PySide6's tree: it stays even though only the theme plugin links it
    # here; libglib is needed by what stays.
    assert sorted(Path(d).name for d, _, _ in kept) == ["libQt6Gui.so.6", "libglib-2.0.so.0"]
    assert sorted(Path(d).name for d, _, _ in dropped) == [
        "libcairo.so.2",
        "libgtk-3.so.0",
        "libqgtk3.so",
    ]


def test_prune_binaries_refuses_to_drop_a_library_that_stays_needed() -> None:
    binaries = [
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", "/src/ffmpeg.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", "/src/we.so", "BINARY"),
    ]
    graph = {"/src/ffmpeg.so": ["libQt6WebEngineCore.so.6"]}
    with pytest.raises(ValueError, match="libQt6WebEngineCore"):
        bundle.prune_binaries(binaries, bundle.keep_file, lambda source: graph.get(source, []))


def test_resources_and_translations_are_bundled_but_not_the_customer_page() -> None:
    datas = dict(
        (Path(src).relative_to(REPO).as_posix(), dest)
        for src, dest in bundle.data_files(REPO, "linux")
    )
    assert datas["resources/translations/advisor_app_de.qm"] == "resources/translations"
    for name in ("icons", "sounds", "samples"):
        assert datas[f"resources/{name}"] == f"resources/{name}"
    assert not any("web" in src for src in datas)
    mac = {dest for _, dest in bundle.data_files(REPO, "darwin")}
    assert {"de.lproj", "en.lproj"} <= mac


def test_version_information_comes_from_the_project() -> None:
    assert bundle.read_version(REPO) == __version__
    assert bundle.numeric_version("1.2.3") == (1, 2, 3, 0)
    assert bundle.numeric_version("0.1.0.dev4+g1234") == (0, 1, 0, 0)
    # PyInstaller evaluates a version file with its VSVersionInfo classes (which need pefile,
    # on Windows); here the same names record what they are given.
    names = (
        "VSVersionInfo FixedFileInfo StringFileInfo StringTable StringStruct VarFileInfo VarStruct"
    )

    def recorder(name: str):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: (name, args, kwargs)

    namespace = {name: recorder(name) for name in names.split()}
    info = eval(bundle.windows_version_info(__version__), namespace)
    fixed = info[2]["ffi"][2]
    assert fixed["filevers"] == fixed["prodvers"] == bundle.numeric_version(__version__)
    strings = dict(entry[1] for entry in info[2]["kids"][0][1][0][0][1][1])
    assert strings["ProductVersion"] == __version__
    assert strings["OriginalFilename"] == "advisor-app.exe"


def test_the_linux_scripts_are_valid_bash() -> None:
    for script in ("linux/build.sh", "macos/build.sh"):
        result = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True)
        assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "linux" / "startup_time.py"), "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "--drop-caches" in result.stdout


# --- the CI workflow ---


def test_the_workflow_parses_and_builds_on_three_systems_with_the_scripts() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "build.yml").read_text("utf-8"))
    job = workflow["jobs"]["workstation"]
    systems = {entry["os"].split("-")[0] for entry in job["strategy"]["matrix"]["include"]}
    assert systems == {"windows", "macos", "ubuntu"}
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    for script in (
        "packaging/linux/build.sh",
        "packaging/windows/build.ps1",
        "packaging/macos/build.sh",
    ):
        assert script in commands
    image = workflow["jobs"]["hub-image"]["steps"]
    assert any(step.get("with", {}).get("file") == "packaging/hub/Containerfile" for step in image)


# --- Windows ---

WIX = "{http://wixtoolset.org/schemas/v4/wxs}"
GP = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"


def test_the_msi_source_is_per_machine_and_writes_the_hub_url_policy() -> None:
    root = ET.parse(PACKAGING / "windows" / "advisor-app.wxs").getroot()
    package = root.find(f"{WIX}Package")
    assert package is not None
    assert package.get("Scope") == "perMachine"
    assert package.get("Version") == "$(var.Version)"
    assert re.fullmatch(
        r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", package.get("UpgradeCode", "")
    )
    assert package.find(f"{WIX}MajorUpgrade") is not None
    hub_url = next(p for p in package.iter(f"{WIX}Property") if p.get("Id") == "HUB_URL")
    assert hub_url.get("Secure") == "yes"
    values = {v.get("Name"): v for v in package.iter(f"{WIX}RegistryValue")}
    assert values["HubUrl"].get("Root") == "HKLM"
    assert values["HubUrl"].get("Key") == POLICY_KEY
    assert values["HubUrl"].get("Value") == "[HUB_URL]"
    shortcuts = list(package.iter(f"{WIX}Shortcut"))
    assert shortcuts and shortcuts[0].get("Target") == "[INSTALLFOLDER]advisor-app.exe"


def test_the_admx_templates_cover_the_policies_in_both_languages() -> None:
    folder = PACKAGING / "windows" / "policy"
    admx = ET.parse(folder / "Videoberatung.admx").getroot()
    policies = list(admx.iter(f"{GP}policy"))
    value_names = set()
    for policy in policies:
        assert policy.get("key") == POLICY_KEY
        value_names.add(policy.get("valueName") or policy.find(f"{GP}elements")[0].get("valueName"))  # type: ignore[index]
    assert {"HubUrl", "Language", "AllowStaySignedIn"} <= value_names
    assert value_names <= set(POLICY_NAMES)
    wanted = set(
        re.findall(r"\$\(string\.(\w+)\)", (folder / "Videoberatung.admx").read_text("utf-8"))
    )
    presentations = set(
        re.findall(r"\$\(presentation\.(\w+)\)", (folder / "Videoberatung.admx").read_text("utf-8"))
    )
    for language in ("en-US", "de-DE"):
        adml = ET.parse(folder / language / "Videoberatung.adml").getroot()
        strings = {s.get("id") for s in adml.iter(f"{GP}string")}
        assert wanted <= strings, (language, wanted - strings)
        assert presentations <= {p.get("id") for p in adml.iter(f"{GP}presentation")}


def test_the_powershell_script_is_ascii() -> None:
    # Windows PowerShell 5.1 reads a script without a byte order mark in the ANSI code page.
    (PACKAGING / "windows" / "build.ps1").read_text("utf-8").encode("ascii")


# --- macOS ---


def test_the_info_plist_entitlements_and_profile_parse() -> None:
    macos = PACKAGING / "macos"
    info = plistlib.loads((macos / "Info.plist").read_bytes())
    assert info["NSCameraUsageDescription"] and info["NSMicrophoneUsageDescription"]
    entitlements = plistlib.loads((macos / "entitlements.plist").read_bytes())
    for key in (
        "com.apple.security.device.camera",
        "com.apple.security.device.audio-input",
        "com.apple.security.network.client",
        "com.apple.security.cs.allow-unsigned-executable-memory",
    ):
        assert entitlements[key] is True
    profile = plistlib.loads((macos / "advisor-app.mobileconfig").read_bytes())
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadContent"][0]["PayloadType"] == MANAGED_DOMAIN == bundle.BUNDLE_ID


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_usage_texts_exist_in_german_and_english(language: str) -> None:
    text = (PACKAGING / "macos" / f"{language}.lproj" / "InfoPlist.strings").read_text("utf-8")
    pairs = dict(re.findall(r'^"(\w+)"\s*=\s*"([^"]+)";$', text, re.MULTILINE))
    assert pairs["NSCameraUsageDescription"] and pairs["NSMicrophoneUsageDescription"]


# --- the hub's deployment ---

HUB = PACKAGING / "hub"


def test_the_example_hub_toml_is_valid_and_fits_the_reverse_proxy() -> None:
    settings = load_settings(HUB / "hub.toml", environ={"ADVISOR_HUB_TURN_SECRET": "s3cret"})
    settings.validate()
    assert settings.host == "127.0.0.1"
    assert settings.trust_forwarded_for
    assert all(origin.startswith("https://") for origin in settings.public_origins)
    nginx = (HUB / "nginx-advisor-hub.conf").read_text("utf-8")
    assert f"server 127.0.0.1:{settings.port};" in nginx
    # The hub believes the first X-Forwarded-For address: nginx must set it, never append.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx.split("\n#")[-1].split("map ")[-1]
    websocket = nginx[nginx.index("location /ws/") :]
    websocket = websocket[: websocket.index("}")]
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    assert "proxy_set_header Connection $connection_upgrade;" in websocket
    assert "proxy_http_version 1.1;" in websocket


def test_coturn_uses_the_hubs_shared_secret_scheme_and_ports() -> None:
    lines = [
        line.strip()
        for line in (HUB / "turnserver.conf").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    options = dict(line.split("=", 1) if "=" in line else (line, "") for line in lines)
    assert "use-auth-secret" in options and "static-auth-secret" in options
    assert "lt-cred-mech" not in options
    settings = load_settings(HUB / "hub.toml", environ={"ADVISOR_HUB_TURN_SECRET": "s3cret"})
    ports = {int(m) for url in settings.turn_urls for m in re.findall(r":(\d+)\?", url)}
    assert ports == {int(options["listening-port"]), int(options["tls-listening-port"])}
    assert int(options["min-port"]) < int(options["max-port"])


def test_the_systemd_unit_is_hardened() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(HUB / "advisor-hub.service")
    service = parser["Service"]
    assert service["User"] == "advisor-hub"
    assert service["StateDirectory"] == "advisor-hub"
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes"
    assert service["CapabilityBoundingSet"] == ""
    assert "advisor-hub serve --config /etc/advisor-hub/hub.toml" in service["ExecStart"]


def test_the_container_runs_the_hub_unprivileged_with_a_health_check() -> None:
    text = (HUB / "Containerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.13-slim\b", text, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r"^HEALTHCHECK .*?/healthz", text, re.MULTILINE | re.DOTALL)
    assert "requirements.txt" in text and "--no-deps" in text


def third_party_imports(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names} - {"advisor_app"}


def test_the_hub_requirements_cover_every_third_party_import_of_the_hub() -> None:
    imports = third_party_imports(REPO / "advisor_app" / "hub")
    imports |= third_party_imports(REPO / "advisor_app" / "protocol")
    distributions = {
        re.split(r"[<>=\[; ]", line, maxsplit=1)[0].lower()
        for line in (HUB / "requirements.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    provided = {
        "aiohttp": "aiohttp",
        "argon2": "argon2-cffi",
        "asyncpg": "asyncpg",
        "cryptography": "cryptography",
        "msgspec": "msgspec",
        "phonenumbers": "phonenumbers",
        "platformdirs": "platformdirs",
        "prometheus_client": "prometheus-client",
    }
    missing = [name for name in sorted(imports) if provided.get(name) not in distributions]
    assert missing == []
    assert "tzdata" in distributions  # zoneinfo's data on slim images and Windows
