"""One workstation per user: the first start holds a lock file and listens on a local socket
beside it; a second start finds the lock taken, asks the first to bring its window to the
front, and exits."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

logger = logging.getLogger(__name__)

RAISE = b"raise\n"


def server_name(lock_file: Path) -> str:
    """The local socket's name for that lock: a socket file beside it (Unix), or a per-user
    pipe name (Windows; pipes have no folders)."""
    if sys.platform == "win32":
        import getpass

        return f"{lock_file.stem}-{getpass.getuser()}"
    return str(lock_file.with_suffix(".socket"))


class InstanceServer(QObject):
    """Held by the first start: a second start's request comes as ``raise_requested``."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requests = 0
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(name)  # left by a crash: we hold the lock, it is ours
        if not self._server.listen(name):
            logger.warning("a second start cannot reach this one: %s", self._server.errorString())
        self._server.newConnection.connect(self._on_connection)

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._on_ready(socket)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if RAISE.strip() in bytes(socket.readAll().data()):
            self.requests += 1
            logger.info("a second start asked this one to come to the front")
            self.raise_requested.emit()


def ask_first_to_raise(name: str, timeout_ms: int = 2000) -> bool:
    """From the second start: ask the first one to show its window. False: not reached."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(RAISE)
    sent = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return sent


def bring_windows_to_front() -> None:
    """The main window if there is one, else whatever is open (the sign-in dialog)."""
    windows: list[QWidget] = [
        w for w in QApplication.topLevelWidgets() if w.isVisible() or w.isMinimized()
    ]
    for window in windows:
        bring = getattr(window, "bring_to_front", None)
        if callable(bring):
            bring()
            continue
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
