"""A real coturn (``turnserver``, Debian package) for the relay tests, with a generated
configuration: the hub's shared-secret scheme (use-auth-secret), UDP/TCP and TLS listeners on
free ports, a self-signed certificate for TLS, a small relay port range, a log file."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SECRET = "turn-test-secret-3c1f"  # the hub's turn_secret = coturn's static-auth-secret
REALM = "turn.test"


def free_port(host: str, kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def free_both(host: str) -> int:
    """A port free for TCP and UDP (coturn listens on both)."""
    for _ in range(50):
        port = free_port(host, socket.SOCK_STREAM)
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((host, port))
            return port
    raise RuntimeError("no port free for both TCP and UDP")


def make_certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for the TURN server's address (it is its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "turn test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "turn.crt", directory / "turn.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Coturn:
    host: str
    port: int  # UDP and TCP
    tls_port: int
    relay_ports: tuple[int, int]
    log: Path
    certificate: Path  # self-signed: trust it through SSL_CERT_FILE

    @property
    def urls(self) -> list[str]:
        """As a bank lists them: UDP first, then TCP, then TLS (port 443 in production)."""
        return [
            f"turn:{self.host}:{self.port}?transport=udp",
            f"turn:{self.host}:{self.port}?transport=tcp",
            f"turns:{self.host}:{self.tls_port}?transport=tcp",
        ]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def running_coturn(host: str) -> Iterator[Coturn]:
    """turnserver listening on ``host`` (which must exist), relaying from it."""
    directory = Path(tempfile.mkdtemp(prefix="turn-coturn-"))
    cert, key = make_certificate(directory, host)
    port, tls_port = free_both(host), free_both(host)
    low = min(max(free_port(host, socket.SOCK_DGRAM), 20_000), 60_000)
    server = Coturn(host, port, tls_port, (low, low + 200), directory / "turn.log", cert)
    config = directory / "turnserver.conf"
    config.write_text(
        "\n".join([
            f"listening-ip={host}",
            f"relay-ip={host}",
            f"listening-port={port}",
            f"tls-listening-port={tls_port}",
            f"alt-listening-port={free_both(host)}",  # not the default port+1: may be taken
            f"alt-tls-listening-port={free_both(host)}",
            f"min-port={server.relay_ports[0]}",
            f"max-port={server.relay_ports[1]}",
            "use-auth-secret",
            f"static-auth-secret={SECRET}",
            f"realm={REALM}",
            "fingerprint",
            f"cert={cert}",
            f"pkey={key}",
            "no-dtls",
            "no-cli",
            "no-software-attribute",
            "no-multicast-peers",
            "verbose",
            f"log-file={server.log}",
            "simple-log",
            f"pidfile={directory / 'turn.pid'}",
            f"userdb={directory / 'turn.db'}",
            "",
        ])
    )  # fmt: skip
    process = subprocess.Popen(
        ["turnserver", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection((host, tls_port), 0.2):
                break
            if process.poll() is not None:
                raise RuntimeError(f"turnserver exited: {server.log_text()[-2000:]}")
            time.sleep(0.05)
        else:
            raise RuntimeError("turnserver did not listen within 10 s")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(directory, ignore_errors=True)
