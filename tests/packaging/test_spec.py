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


# --- Linux: stand-ins, trimmed ICU data, compacted libraries (packaging/shrink.py) ---

shrink = bundle._shrink_module()
SITE = Path(__import__("av").__file__).resolve().parents[1]
AV_LIBS = SITE / "av.libs"
QT_LIB = SITE / "PySide6" / "Qt" / "lib"
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the Linux wheels' libraries")


def test_the_spec_shrinks_the_linux_libraries() -> None:
    source = (PACKAGING / "advisor-app.spec").read_text("utf-8")
    assert "bundle.shrink_linux_binaries" in source


@pytest.mark.parametrize(
    ("dest", "stubbed"),
    [
        ("av.libs/libx265-eebb7db1.so.217", True),
        ("av.libs/libSvtAv1Enc-cc8e453e.so.4.2.0", True),
        ("av.libs/libgnutls-e2125fb5.so.30.42.0", True),
        ("av.libs/libvpx-e67815b1.so.12.1.0", False),  # VP8: aiortc and the self-check
        ("av.libs/libx264-d6533a8d.so.165", False),  # H.264: aiortc
        ("av.libs/libopus-114e2b1a.so.0.11.1", False),  # Opus: aiortc
        ("av.libs/libavcodec-d61378e8.so.63.1.102", False),
        ("libx265-eebb7db1.so.217", False),  # only inside PyAV's folder
        ("pillow.libs/libx265-0000.so", False),
    ],
)
def test_stub_label(dest: str, stubbed: bool) -> None:
    assert (bundle.stub_label(dest) is not None) is stubbed


def test_nothing_the_app_codes_with_is_stubbed() -> None:
    # aiortc's codecs (vpx, h264, opus, g711, g722), FFmpeg itself, the resampler, X11 for Qt
    for prefix in bundle.STUBBED_LIBRARIES:
        for used in ("libvpx", "libx264", "libopus", "libav", "libsw", "libxcb", "libX"):
            assert not used.startswith(prefix) and not prefix.startswith(used), prefix


def test_only_what_stubbed_libraries_needed_is_left_out() -> None:
    files = [
        ("av.libs/libavformat-1.so", "/s/avformat"),
        ("av.libs/libgnutls-1.so", "/s/gnutls"),
        ("av.libs/libhogweed-1.so", "/s/hogweed"),
        ("av.libs/libnettle-1.so", "/s/nettle"),
        ("av.libs/libz-1.so", "/s/z"),
        ("av/_core.abi3.so", "/s/core"),
    ]
    needs = {
        "/s/avformat": ["libgnutls-1.so", "libz-1.so"],
        "/s/gnutls": ["libhogweed-1.so", "libnettle-1.so", "libz-1.so", "libc.so.6"],
        "/s/hogweed": ["libnettle-1.so"],
        "/s/nettle": [],
        "/s/z": [],
        "/s/core": ["libavformat-1.so"],
    }
    # libz stays (libavformat needs it too); nettle goes once hogweed is gone
    assert bundle.stub_orphans(files, needs) == {
        "av.libs/libhogweed-1.so",
        "av.libs/libnettle-1.so",
    }
    needs["/s/core"].append("libnettle-1.so")
    assert bundle.stub_orphans(files, needs) == {"av.libs/libhogweed-1.so"}


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("icudt73l/root.res", True),
        ("icudt73l/de.res", True),
        ("icudt73l/de_CH.res", True),
        ("icudt73l/en_001.res", True),
        ("icudt73l/fr.res", False),
        ("icudt73l/zh_Hant_TW.res", False),
        ("icudt73l/pool.res", True),
        ("icudt73l/res_index.res", True),
        ("icudt73l/supplementalData.res", True),
        ("icudt73l/zoneinfo64.res", True),
        ("icudt73l/coll/de.res", True),
        ("icudt73l/coll/root.res", True),
        ("icudt73l/coll/ucadata.icu", True),
        ("icudt73l/coll/ja.res", False),
        ("icudt73l/zone/en_GB.res", True),
        ("icudt73l/zone/pool.res", True),
        ("icudt73l/translit/root.res", False),
        ("icudt73l/brkitr/cjdict.dict", False),
        ("icudt73l/brkitr/word.brk", True),
        ("icudt73l/nfc.nrm", True),
        ("icudt73l/uprops.icu", True),
    ],
)
def test_which_icu_data_stays(name: str, kept: bool) -> None:
    assert bundle.icu_keep(name, b"") is kept


@linux_only
def test_the_icu_data_is_rewritten_item_for_item_and_keeps_single_byte_code_pages() -> None:
    data_library = next(QT_LIB.glob("libicudata.so.*"), None)
    if data_library is None:
        pytest.skip("this PySide6 wheel carries no ICU")
    symbol, blob = shrink.icu_data_blob(data_library)
    assert re.fullmatch(r"icudt\d+_dat", symbol)
    header, items = shrink.parse_icu_data(blob)
    assert shrink.parse_icu_data(shrink.write_icu_data(header, items)) == (header, items)
    kept = [(name, data) for name, data in items if bundle.icu_keep(name, data)]
    again = shrink.parse_icu_data(shrink.write_icu_data(header, kept))
    assert again == (header, kept)
    converters = {name.rsplit("/", 1)[-1]: data for name, data in items if name.endswith(".cnv")}
    western = next(name for name in converters if name.startswith("ibm-5348"))  # windows-1252
    assert bundle.icu_keep(f"icudt/{western}", converters[western])
    assert not bundle.icu_keep("icudt/gb18030.cnv", converters["gb18030.cnv"])
    assert sum(len(data) for _, data in kept) < sum(len(data) for _, data in items) / 4


def padded_libraries() -> list[Path]:
    return [
        path
        for path in sorted(AV_LIBS.glob("*.so*"))
        if shrink.elf_file_padding(path) > bundle.COMPACT_MIN_PADDING
    ]


@linux_only
def test_compacting_keeps_every_segment_and_section_and_the_library_loads(
    tmp_path: Path,
) -> None:
    padded = padded_libraries()
    if not padded:
        pytest.skip("this PyAV wheel has no padded libraries")
    # the padded libraries need each other (libxcb-shm needs libxcb, which needs libXau)
    for path in padded:
        data = path.read_bytes()
        compacted = shrink.compact_elf(data)
        assert len(compacted) < len(data) - bundle.COMPACT_MIN_PADDING
        assert shrink.elf_padding(compacted) < 64 * 1024
        before, after = shrink._Elf(data), shrink._Elf(compacted)

        def without_headers(elf: shrink._Elf, image: bytes) -> bytearray:
            # the ELF header and the two header tables hold the offsets that do change
            masked = bytearray(image)
            for start, size in (
                (0, 64),
                (elf.phoff, elf.phnum * elf.phentsize),
                (elf.shoff, elf.shnum * elf.shentsize),
            ):
                masked[start : start + size] = bytes(size)
            return masked

        old_image, new_image = without_headers(before, data), without_headers(after, compacted)
        # the same segments and sections at the same addresses, with the same bytes
        for old, new in zip(before.phdrs, after.phdrs, strict=True):
            assert old[:2] + old[3:] == new[:2] + new[3:]
            assert old_image[old[2] : old[2] + old[5]] == new_image[new[2] : new[2] + new[5]]
        for old, new in zip(before.shdrs, after.shdrs, strict=True):
            assert old[:4] + old[5:] == new[:4] + new[5:]
            if old[1] != shrink.SHT_NOBITS:
                assert data[old[4] : old[4] + old[5]] == compacted[new[4] : new[4] + new[5]]
        (tmp_path / path.name).write_bytes(compacted)
    for path in padded:
        if not any(name in path.name for name in ("libxcb-5", "libXau")):
            continue
        result = subprocess.run(
            [sys.executable, "-c", f"import ctypes; ctypes.CDLL({str(tmp_path / path.name)!r})"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


@linux_only
def test_a_stub_defines_what_its_users_import_and_answers_null_to_queries(tmp_path: Path) -> None:
    import ctypes

    x265 = next(AV_LIBS.glob("libx265-*.so*"), None)
    avcodec = next(AV_LIBS.glob("libavcodec-*.so*"), None)
    if x265 is None or avcodec is None or not shrink.have_tools():
        pytest.skip("needs PyAV's libx265, cc, nm and readelf")
    output = tmp_path / x265.name
    functions = shrink.build_stub_library(
        x265, [avcodec], output, bundle.STUBBED_LIBRARIES["libx265-"], bundle.STUB_RETURNING_NULL
    )
    assert functions and all(name.startswith("x265_") for name in functions)
    assert set(functions) <= set(shrink.defined_functions(output))
    assert (
        "libx265"
        in subprocess.run(
            ["readelf", "-d", str(output)], capture_output=True, text=True, check=True
        ).stdout
    )  # the original's soname
    assert set(shrink.needed_libraries(output)) <= {"libc.so.6"}
    library = ctypes.CDLL(str(output))
    query = getattr(library, functions[0])
    query.restype = ctypes.c_void_p
    assert query(8) is None


def test_stub_functions_fail_and_queries_return_null() -> None:
    source = shrink.stub_source("the X codec", ["x_open", "x_api_get_1"], ["x_api_get"])
    assert "long x_open(void) { left_out(); return -1; }" in source
    assert "void *x_api_get_1(void) { return (void *)0; }" in source
    assert "the X codec is left out of this build" in source


def test_the_workstation_does_not_import_the_postgresql_driver() -> None:
    # asyncpg is excluded from the bundle: only a hub configured with a database loads it
    # (advisor_app.hub.app.open_storage imports the PostgreSQL modules inside the function).
    assert "asyncpg" in bundle.EXCLUDES
    postgres = {"asyncpg", "advisor_app.hub.pg_cluster", "advisor_app.hub.storage.postgres"}
    allowed = {REPO / "advisor_app/hub/pg_cluster.py", REPO / "advisor_app/hub/storage/postgres.py"}
    for path in (REPO / "advisor_app").rglob("*.py"):
        if path in allowed:
            continue
        for node in ast.parse(path.read_text("utf-8")).body:  # module level only
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                continue
            assert not names & postgres, f"{path.relative_to(REPO)} imports {names & postgres}"


def test_resources_translations_notices_and_the_demos_customer_page_are_bundled() -> None:
    datas = dict(
        (Path(src).relative_to(REPO).as_posix(), dest)
        for src, dest in bundle.data_files(REPO, "linux")
    )
    assert datas["resources/translations/advisor_app_de.qm"] == "resources/translations"
    # licenses: the About dialog's third-party notices; web: the page of --demo's hub
    for name in ("icons", "sounds", "samples", "licenses", "web"):
        assert datas[f"resources/{name}"] == f"resources/{name}"
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
    matrix = job["strategy"]["matrix"]["include"]
    assert {entry["os"].split("-")[0] for entry in matrix} == {"windows", "macos"}
    # macOS: one package per architecture, both built
    assert {entry.get("arch") for entry in matrix if entry["os"].startswith("macos")} == {
        "arm64",
        "x86_64",
    }
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    for script in ("packaging/windows/build.ps1", "packaging/macos/build.sh"):
        assert script in commands
    # Linux: built in Debian 12, the oldest base the bundle supports, with the floor enforced
    linux = workflow["jobs"]["workstation-linux"]
    assert linux["container"].endswith("-bookworm") and linux["env"]["GLIBC_FLOOR"] == "2.36"
    assert "packaging/linux/build.sh" in "\n".join(s.get("run", "") for s in linux["steps"])
    # wheel and sdist, and the hub installed from the wheel with the hashed lock
    dist = "\n".join(s.get("run", "") for s in workflow["jobs"]["python-dist"]["steps"])
    assert "python -m build" in dist and "twine check" in dist
    assert "--require-hashes" in dist and "pip check" in dist
    image = workflow["jobs"]["hub-image"]["steps"]
    build = next(s for s in image if s.get("with", {}).get("file") == "packaging/hub/Containerfile")
    args = build["with"]["build-args"]
    for name in ("BASE_IMAGE", "VERSION", "REVISION", "CREATED", "SOURCE"):
        assert f"{name}=" in args, name


def test_every_action_is_pinned_to_a_commit() -> None:
    text = (REPO / ".github" / "workflows" / "build.yml").read_text("utf-8")
    uses = re.findall(r"uses:\s*(\S+)", text)
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action


def test_the_image_installs_only_hashed_pins_and_labels_itself() -> None:
    containerfile = (PACKAGING / "hub" / "Containerfile").read_text("utf-8")
    assert "pip install --require-hashes --no-deps -r /tmp/requirements.lock" in containerfile
    assert "requirements.txt" not in containerfile.split("\nFROM", 1)[1]
    for label in ("version", "revision", "created", "source", "licenses", "base.name"):
        assert f"org.opencontainers.image.{label}=" in containerfile, label


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
    assert re.search(r"^ARG BASE_IMAGE=python:3\.13-slim-bookworm$", text, re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r"^HEALTHCHECK .*?/healthz", text, re.MULTILINE | re.DOTALL)
    assert "requirements.lock" in text and "--no-deps" in text


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
        "pypdf": "pypdf",
        "reportlab": "reportlab",
        "pyhanko": "pyhanko",
        "pyhanko_certvalidator": "pyhanko-certvalidator",
        "asn1crypto": "asn1crypto",
        "holidays": "holidays",
    }
    missing = [name for name in sorted(imports) if provided.get(name) not in distributions]
    assert missing == []
    assert "tzdata" in distributions  # zoneinfo's data on slim images and Windows
