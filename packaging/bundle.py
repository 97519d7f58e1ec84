"""What the frozen ``advisor-app`` carries and what it leaves out.

Plain Python without PyInstaller, read by ``advisor-app.spec`` and by ``tests/packaging`` (which
checks, for instance, that every keyring backend entry point is a hidden import).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from types import ModuleType

APP_NAME = "advisor-app"  # the executable and the one-folder directory
DISPLAY_NAME = "Videoberatung"  # the macOS .app, Start menu entry, installer title
PUBLISHER = "Videoberatung"
BUNDLE_ID = "de.videoberatung.advisor-app"  # macOS; also the managed-preferences domain
DESCRIPTION = "Videoberatung: the advisor workstation"

# keyring finds its backends through entry points ("keyring.backends"), which a frozen app
# loses: they are hidden imports here, and advisor_app.core.credentials picks the platform's
# secure backend explicitly when frozen. fail/null are listed so that keyring's own import of
# them works; the app never stores anything through them.
KEYRING_BACKENDS = [
    "keyring.backends.SecretService",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.macOS.api",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
]
# What the secure backend of each platform imports inside try/except (so analysis may miss it).
KEYRING_PLATFORM_IMPORTS = {
    "linux": ["secretstorage", "secretstorage.exceptions", "jeepney", "jeepney.io.blocking"],
    "win32": ["win32ctypes.pywin32", "win32ctypes.pywin32.win32cred", "win32ctypes.core"],
    "darwin": [],
}

OTHER_HIDDEN_IMPORTS = [
    # imported inside functions (the demo's embedded hub; the render workers of the pool)
    "advisor_app.demo.embedded",
    "advisor_app.documents.render",
    # Qt Multimedia: its plugins (the FFmpeg backend) come with the PyInstaller hook
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    # the microphone's audio processing: advisor_app.rtc.audio_processing imports it inside a
    # function (so that a missing library only means unprocessed audio)
    "livekit.rtc",
]

# livekit loads its native library (libwebrtc's audio processing and the rest of its FFI) with
# ctypes from the package folder livekit/rtc/resources (importlib.resources): PyInstaller sees no
# import of it, so it is collected by hand, into the same folder. Windows: livekit_ffi.dll,
# macOS: liblivekit_ffi.dylib, Linux: liblivekit_ffi.so.
LIVEKIT_PACKAGE = "livekit.rtc.resources"
LIVEKIT_LIBRARY = {"win32": "livekit_ffi.dll", "darwin": "liblivekit_ffi.dylib"}

# PySide6-Addons brings far more of Qt than the workstation uses (Widgets, Gui, Multimedia,
# Network). Leaving these out keeps the bundle small.
QT_EXCLUDES = [
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtAxContainer",
    "PySide6.QtBluetooth",
    "PySide6.QtCanvasPainter",
    "PySide6.QtCharts",
    "PySide6.QtDataVisualization",
    "PySide6.QtDesigner",
    "PySide6.QtGraphs",
    "PySide6.QtGraphsWidgets",
    "PySide6.QtHelp",
    "PySide6.QtHttpServer",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtLocation",
    "PySide6.QtNetworkAuth",
    "PySide6.QtNfc",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPositioning",
    "PySide6.QtQml",
    "PySide6.QtQmlFeatures",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtSensors",
    "PySide6.QtSerialBus",
    "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio",
    "PySide6.QtSql",
    "PySide6.QtStateMachine",
    "PySide6.QtTest",
    "PySide6.QtTextToSpeech",
    "PySide6.QtUiTools",
    "PySide6.QtWebChannel",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtWebView",
    "PySide6.QtXml",
    "PySide6.QtAsyncio",
]
PY_EXCLUDES = [
    "tkinter",
    "_tkinter",
    "test",
    "lib2to3",
    "pydoc_data",
    "IPython",
    "matplotlib",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "playwright",
    "importlinter",
    "grimp",
    "pip",
    "PyInstaller",
    "setuptools",
    "pkg_resources",
    "_distutils_hack",
    "distutils",
    # cffi's build-time helpers (compiling extensions) import distutils, which is left out
    # above; PyInstaller then stops ("distutils already imported as ExcludedModule"). The app
    # only loads extensions built already (argon2's bindings).
    "cffi._shimmed_dist_utils",
    "yaml",  # a dev tool's; nothing the app runs needs it
    "curses",
    "readline",
    # PostgreSQL storage of a hub with several instances: imported only when the hub is
    # configured with a database (advisor_app.hub.app.open_storage); the workstation's embedded
    # demo hub always runs on SQLite. 10 MB.
    "asyncpg",
    "PIL._avif",  # AVIF is not a document format the app accepts (5 MB of libavif)
    "PIL._imagingtk",
    "PIL.ImageTk",
    "PIL.ImageQt",
]
EXCLUDES = QT_EXCLUDES + PY_EXCLUDES

# Shared libraries of Qt parts the workstation does not use, by file name fragment. Not QtQuick
# or QtQml: Qt Multimedia's FFmpeg plugin links them. prune_binaries refuses to drop a library
# that a kept binary needs.
QT_LIBRARY_EXCLUDES = (
    "Qt6WebEngine",
    "Qt63D",
    "Qt6Pdf",
    "Qt6Designer",
    "Qt6Charts",
    "Qt6DataVisualization",
    "Qt6Graphs",
    "Qt6Location",
    "Qt6Positioning",
    "Qt6Sensors",
    "Qt6VirtualKeyboard",
    "Qt6EglFS",
    "Qt6EglFs",
)
# Qt plugin folders the workstation never loads.
QT_PLUGIN_DIR_EXCLUDES = (
    "qmltooling",
    "position",
    "geoservices",
    "sensors",
    "sqldrivers",
    "texttospeech",
    "canbus",
    "designer",
    "renderers",
    "sceneparsers",
    "assetimporters",
    "geometryloaders",
    "renderplugins",
    "webview",
    "scxmldatamodel",
    "egldeviceintegrations",  # embedded Linux (EGLFS) only
)
# Single plugins left out, by file name stem: the GTK platform theme (it drags the whole GTK
# stack of the build machine in; Qt's own theme is used instead), embedded/remote platforms,
# the PDF image format (QtPdf is not shipped), the virtual keyboard (QtQuick).
QT_PLUGIN_FILE_EXCLUDES = (
    "libqgtk3",
    "qgtk3",
    "libqeglfs",
    "libqlinuxfb",
    "libqvnc",
    "libqvkkhrdisplay",
    "libqminimalegl",
    "libqpdf",
    "qpdf",
    "libqtvirtualkeyboardplugin",  # needs QtQuick
)
TRANSLATION_LANGUAGES = ("de", "en")  # Qt's own .qm files kept; the app speaks these two

# licenses: the About dialog shows the third-party notices (and the bundle must carry them);
# web: the customer page and notices, for the embedded hub of `advisor-app --demo`, which
# refuses to start without them (376 KB).
RESOURCE_DIRS = ("icons", "sounds", "samples", "licenses", "web")

# --- Linux: smaller copies of three kinds of libraries (packaging/shrink.py makes them) ---
#
# These are what keeps the Linux bundle under 350 MB; Windows and macOS wheels have none of the
# three problems. Each replacement is made at build time from the collected original (the same
# wheel version on every build machine), needs `cc`, `nm` and `readelf`, and is listed by the
# spec's output. Without a C compiler the originals stay (a bigger bundle, nothing broken).

# 1. Libraries whose parts the wheel's repair tool (an old patchelf) spread over the file at
# 2 MiB steps: PyAV's X11 libraries (libxcb, libxcb-shm/-shape/-xfixes, libXau, libdrm; a few
# KB of content in 2-6 MB each) and Pillow's libXau. shrink.compact_elf moves the same bytes
# together: every segment keeps its address and its offset modulo the page size, which is all
# the dynamic loader asks; no byte of code or data changes. Any ELF file in the bundle with
# more padding than this is compacted.
COMPACT_MIN_PADDING = 1_000_000

# 2. Libraries that PyAV's libavcodec/libavfilter/libavformat/libavdevice link (DT_NEEDED, so
# they must exist: `readelf -d`) but whose codecs, filters and protocols the app never opens:
# aiortc encodes and decodes only VP8 (libvpx), H.264 (libx264 and FFmpeg's h264), Opus
# (libopus), G.711 and G.722; the self-check uses libvpx; AudioResampler uses libswresample
# through a filter graph. The stand-in defines every function the FFmpeg libraries import from
# the original (all functions, no data: checked at build time) and returns an error, so opening
# one of these codecs fails cleanly ("Generic error in an external library") instead of
# crashing. By file name prefix in PyAV's av.libs folder:
STUBBED_LIBRARIES = {
    "libx265-": "the HEVC encoder (libx265)",  # 20.7 MB
    "libSvtAv1Enc-": "the AV1 encoder (SVT-AV1)",  # 7.1 MB
    "libdav1d-": "the AV1 decoder (dav1d)",  # 2.1 MB
    "libvmaf-": "the VMAF video quality filter (libvmaf)",  # 1.5 MB
    # libavformat's https/tls protocols: aiortc does DTLS itself (OpenSSL, pylibsrtp) and the app
    # opens no URL or file through FFmpeg. 2.4 MB, and its libunistring, nettle, hogweed and gmp
    # (3.3 MB), which nothing else needs, go with it.
    "libgnutls-": "TLS in FFmpeg's network protocols (GnuTLS)",
    # libavdevice's ALSA input/output: the app records and plays sound through Qt Multimedia.
    "libasound-": "ALSA devices in FFmpeg's libavdevice",  # 1.2 MB
}
STUB_FOLDER = "av.libs"
# Stubbed functions that FFmpeg also calls when it only lists its codecs (av.codecs_available
# runs every codec's static init; libx265's asks x265_api_get which bit depths exist): they
# answer NULL, "none", quietly. dav1d_version only feeds a log line.
STUB_RETURNING_NULL = ("x265_api_get", "dav1d_version")

# 3. ICU's data (libicudata, 32 MB), which Qt Core links. Qt takes its locale data (number and
# date formats, language names) from its own CLDR tables; from ICU it uses collation (QCollator,
# localeAwareCompare), locale-aware case mapping, time zone display names and the converters of
# QStringConverter for encodings Qt does not know itself. Kept: root and the German and English
# locales of every tree (collation, zones, currencies, ... with their pool.res and res_index.res),
# all non-locale items (normalization, properties, supplemental data, time zones, break rules),
# the single-byte code pages (windows-125x, ISO-8859-x, DOS, Mac, KOI8: 0.4 MB). Left out: the
# other ~200 languages' locale data (ICU falls back to root, as it does for any locale it does
# not have), transliteration (Qt has no API for it), the dictionaries for Chinese/Japanese,
# Thai, Lao, Khmer and Burmese word breaks (Qt finds text boundaries with its own tables, not
# ICU's break iterators) and the East-Asian multi-byte code pages (Shift_JIS, GB18030, Big5,
# EUC-*: 4.7 MB; the app decodes nothing through Qt's converters). 32 MB -> 5 MB.
ICU_DATA_LIBRARY = re.compile(r"^libicudata\.so\.\d+$")
ICU_LANGUAGES = TRANSLATION_LANGUAGES
ICU_DROP_TREES = ("translit",)
ICU_DROP_EXTENSIONS = ("dict",)  # the word-break dictionaries
ICU_MULTIBYTE_CONVERTERS = False


def read_version(repo: Path) -> str:
    """``advisor_app.__version__`` without importing the package."""
    tree = ast.parse((repo / "advisor_app" / "__init__.py").read_text("utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise ValueError("advisor_app/__init__.py has no __version__")


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """The leading numbers of a version as four parts (Windows file versions, MSI)."""
    numbers = [int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3]]
    numbers += [0] * (4 - len(numbers))
    return numbers[0], numbers[1], numbers[2], numbers[3]


def hidden_imports(platform: str) -> list[str]:
    key = "win32" if platform == "win32" else "darwin" if platform == "darwin" else "linux"
    return KEYRING_BACKENDS + KEYRING_PLATFORM_IMPORTS[key] + OTHER_HIDDEN_IMPORTS


def livekit_library_name(platform: str) -> str:
    return LIVEKIT_LIBRARY.get(platform, "liblivekit_ffi.so")


def native_binaries(platform: str) -> list[tuple[str, str]]:
    """(source, folder in the bundle) of native libraries loaded with ctypes from a package's
    folder: livekit's FFI library. Empty (the app then runs unprocessed) when livekit is not
    installed; the frozen --self-check reports that as a failure."""
    spec = importlib.util.find_spec("livekit.rtc")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources"
    library = folder / livekit_library_name(platform)
    if not library.is_file():
        return []
    return [(str(library), LIVEKIT_PACKAGE.replace(".", "/"))]


def data_files(repo: Path, platform: str) -> list[tuple[str, str]]:
    """(source, folder in the bundle) pairs: the app finds them under sys._MEIPASS/resources."""
    resources = repo / "resources"
    datas = [(str(resources / name), f"resources/{name}") for name in RESOURCE_DIRS]
    datas += [
        (str(path), "resources/translations")
        for path in sorted((resources / "translations").glob("*.qm"))
    ]
    if platform == "darwin":
        # InfoPlist.strings (camera/microphone texts in German and English): PyInstaller puts
        # data of a .app into Contents/Resources.
        for folder in sorted((repo / "packaging" / "macos").glob("*.lproj")):
            datas.append((str(folder), folder.name))
    return datas


def keep_file(dest: str) -> bool:
    """Whether a collected file (its path inside the bundle) stays in the bundle."""
    parts = dest.replace("\\", "/").split("/")
    name = parts[-1]
    if any(fragment in name for fragment in QT_LIBRARY_EXCLUDES):
        return False
    if "plugins" in parts:
        index = parts.index("plugins")
        if index + 1 < len(parts) and parts[index + 1] in QT_PLUGIN_DIR_EXCLUDES:
            return False
        if name.split(".")[0] in QT_PLUGIN_FILE_EXCLUDES:
            return False
    if "translations" in parts and name.endswith(".qm") and "resources" not in parts:
        match = re.search(r"_([a-z]{2})(?:_[A-Za-z]+)?\.qm$", name)
        if match and match.group(1) not in TRANSLATION_LANGUAGES:
            return False
    return True


Entry = tuple[str, str, str]  # PyInstaller TOC entry: (name in the bundle, source, type)


def prune_binaries(
    binaries: list[Entry],
    keep: Callable[[str], bool],
    imports_of: Callable[[str], Iterable[str]],
) -> tuple[list[Entry], list[Entry]]:
    """Drop the entries ``keep`` refuses and the system libraries only they needed.

    ``imports_of(source)`` gives the names of the libraries a binary links against (PyInstaller's
    ``bindepend.get_imports``). A library that a kept binary also needs stays, and so does
    anything inside a package's folder; leaving out a library that a kept binary needs is an
    error. Returns (kept, dropped)."""
    dropped = [entry for entry in binaries if not keep(entry[0])]
    if not dropped:
        return list(binaries), []
    by_name = {PurePath(dest).name: (dest, src, kind) for dest, src, kind in binaries}

    def closure(sources: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(sources)
        while stack:
            for name in imports_of(stack.pop()):
                base = PurePath(name).name
                if base in by_name and base not in seen:
                    seen.add(base)
                    stack.append(by_name[base][1])
        return seen

    # Only libraries PyInstaller put at the top of the bundle (dependencies it found on the
    # system) may go as orphans; a file inside a package's own tree stays.
    droppable = {
        name
        for name in closure(src for _, src, _ in dropped)
        if len(PurePath(by_name[name][0]).parts) == 1
    }
    roots = [
        entry for entry in binaries if keep(entry[0]) and PurePath(entry[0]).name not in droppable
    ]
    needed = closure(src for _, src, _ in roots)
    conflicts = needed & {PurePath(dest).name for dest, _, _ in dropped}
    if conflicts:
        raise ValueError(f"left out, but needed by what stays: {', '.join(sorted(conflicts))}")
    orphans = droppable - needed
    kept = []
    for entry in binaries:
        if not keep(entry[0]):
            continue
        if PurePath(entry[0]).name in orphans:
            dropped.append(entry)
        else:
            kept.append(entry)
    return kept, dropped


@functools.cache
def _shrink_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "advisor_shrink", Path(__file__).with_name("shrink.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stub_label(dest: str) -> str | None:
    """What a stand-in for this bundled file leaves out, or None if the file stays itself."""
    parts = PurePath(dest.replace("\\", "/")).parts
    if len(parts) != 2 or parts[0] != STUB_FOLDER:
        return None
    found = (label for prefix, label in STUBBED_LIBRARIES.items() if parts[1].startswith(prefix))
    return next(found, None)


def icu_keep(name: str, data: bytes) -> bool:
    """Whether an item of ICU's data stays in the bundle's libicudata."""
    return _shrink_module().icu_item_kept(
        name,
        data,
        languages=ICU_LANGUAGES,
        drop_trees=ICU_DROP_TREES,
        drop_extensions=ICU_DROP_EXTENSIONS,
        multibyte_converters=ICU_MULTIBYTE_CONVERTERS,
    )


def shrink_linux_binaries(
    binaries: list[Entry], folder: Path, cc: str = "cc"
) -> tuple[list[Entry], list[str]]:
    """The binaries with smaller stand-ins (made in ``folder``) as their sources: stubs for
    STUBBED_LIBRARIES, the trimmed ICU data, compacted copies of padded libraries; without the
    libraries only the stubbed originals needed. Returns the new list and a report line per
    change."""
    shrink = _shrink_module()
    folder.mkdir(parents=True, exist_ok=True)
    if not shrink.have_tools(cc):
        return list(binaries), [f"no {cc}/nm/readelf: libraries left as they are (bundle bigger)"]
    files = [(dest, src) for dest, src, kind in binaries if kind in ("BINARY", "EXTENSION")]
    needs = {src: shrink.needed_libraries(Path(src)) for _, src in files}
    report = []
    result = []
    for dest, src, kind in binaries:
        if kind not in ("BINARY", "EXTENSION"):  # symbolic links stay links
            result.append((dest, src, kind))
            continue
        name = PurePath(dest).name
        output = folder / dest.replace("/", "__")
        label = stub_label(dest)
        if label is not None:
            users = [Path(user) for user, names in needs.items() if name in names]
            functions = shrink.build_stub_library(
                Path(src), users, output, label, STUB_RETURNING_NULL, cc
            )
            what = f"stub ({label}; {len(functions)} functions for {len(users)} users)"
        elif ICU_DATA_LIBRARY.match(name):
            kept, dropped = shrink.build_icu_data_library(Path(src), output, icu_keep, cc)
            what = f"ICU data trimmed ({kept} items kept, {dropped} left out)"
        else:
            big = Path(src).stat().st_size > COMPACT_MIN_PADDING
            if not big or shrink.elf_file_padding(Path(src)) <= COMPACT_MIN_PADDING:
                result.append((dest, src, kind))
                continue
            output.write_bytes(shrink.compact_elf(Path(src).read_bytes()))
            what = "compacted (alignment padding taken out)"
        before, after = Path(src).stat().st_size, output.stat().st_size
        report.append(f"{dest}: {what}, {before / 1e6:.1f} -> {after / 1e6:.2f} MB")
        result.append((dest, str(output), kind))
    dropped = stub_orphans(files, needs)
    for dest in sorted(dropped):
        size = Path(dict(files)[dest]).stat().st_size
        report.append(f"{dest}: left out, only stubbed libraries needed it ({size / 1e6:.1f} MB)")
    kept = [
        (dest, src, kind)
        for dest, src, kind in result
        if dest not in dropped and not (kind == "SYMLINK" and src in dropped)
    ]
    return kept, report


def stub_orphans(files: list[tuple[str, str]], needs: dict[str, list[str]]) -> set[str]:
    """Libraries in STUB_FOLDER that only the originals of stubbed libraries needed (directly
    or through each other): a stub needs nothing but libc. ``files`` are (name in the bundle,
    source) pairs, ``needs`` their DT_NEEDED names by source."""
    dest_of = {PurePath(dest).name: dest for dest, _ in files}
    source_of = dict(files)
    stubbed = {dest for dest, _ in files if stub_label(dest)}
    candidates: set[str] = set()
    stack = list(stubbed)
    while stack:
        for name in needs[source_of[stack.pop()]]:
            dest = dest_of.get(name)
            if dest and PurePath(dest).parts[0] == STUB_FOLDER and dest not in candidates:
                candidates.add(dest)
                stack.append(dest)
    candidates -= stubbed
    dropped: set[str] = set()
    while True:
        wanted = {
            dest_of.get(name, name)
            for dest, src in files
            if dest not in stubbed and dest not in dropped
            for name in needs[src]
        }
        orphans = candidates - wanted - dropped
        if not orphans:
            return dropped
        dropped |= orphans


def windows_version_info(version: str) -> str:
    """The text of a PyInstaller version file (VSVersionInfo) for the Windows executables."""
    numbers = numeric_version(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": DESCRIPTION,
        "FileVersion": version,
        "InternalName": APP_NAME,
        "LegalCopyright": f"© {PUBLISHER}",
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version,
    }
    entries = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [{entries}])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
