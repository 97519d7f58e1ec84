"""What the frozen ``advisor-app`` carries and what it leaves out.

Plain Python without PyInstaller, read by ``advisor-app.spec`` and by ``tests/packaging`` (which
checks, for instance, that every keyring backend entry point is a hidden import).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

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
]

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
    "yaml",  # a dev tool's; nothing the app runs needs it
    "curses",
    "readline",
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

RESOURCE_DIRS = ("icons", "sounds", "samples")  # resources/web is the hub's, not the app's


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
