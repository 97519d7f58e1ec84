"""Signing consultation records, and checking a signed record (``advisor-hub verify``).

Each record carries its consultation's sealed events (sealing.py) as an attached JSON file
and their head in the PDF's document information, and is then signed by the hub: a PAdES
signature (pyHanko, MIT) over the whole file, invisible (the cover says who signed and how to
check). The key is the bank's own certificate (a PKCS#12 file, ``record_signing_pkcs12``), or
else the hub's: an ECDSA P-256 key made on first use, kept 0600 beside the database, with a
self-signed certificate naming the bank. A self-signed certificate proves the record is the
hub's and unchanged to whoever holds that certificate (the bank): it is no qualified
signature; a bank that wants one sets its own certificate.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from advisor_app.hub import sealing
from advisor_app.hub.config import HubSettings
from advisor_app.hub.record import RecordFacts, compose_record
from advisor_app.hub.storage.base import ChatRecord, EventRecord
from advisor_app.protocol.rest import ShownPage

logger = logging.getLogger(__name__)

KEY_FILE = "record-signing-key.pem"
CERT_FILE = "record-signing-cert.pem"
HEAD_KEY = "/VideoberatungChainHead"  # the chain's head in the PDF's document information
FIELD_NAME = "Videoberatung-Record"
OWN_CERT_YEARS = 30  # longer than any record is kept: a record stays checkable its whole life


class SigningError(Exception):
    """The signing key cannot be had (a PKCS#12 file that cannot be read, a wrong password)."""


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """Who signs records: a private key (PKCS#8 DER), its certificate and any chain (DER)."""

    key: bytes = field(repr=False)
    certificate: bytes
    chain: tuple[bytes, ...] = ()
    signer: str = ""  # the name the cover gives


def _x509(der: bytes) -> object:
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate, as people compare it: ``AB:CD:…``."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def load_identity(settings: HubSettings) -> SigningIdentity:
    """The bank's certificate, when set; else the hub's own, made now if there is none yet.
    Blocking file work (and key generation): call it off the loop."""
    if settings.record_signing_pkcs12 is not None:
        return _bank_identity(settings)
    return _own_identity(settings.data_dir, settings.bank_name)


def _bank_identity(settings: HubSettings) -> SigningIdentity:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = settings.record_signing_pkcs12
    assert path is not None
    password: bytes | None = None
    try:
        if settings.record_signing_password_file is not None:
            lines = settings.record_signing_password_file.read_text("utf-8").splitlines()
            password = lines[0].encode("utf-8") if lines else b""
        key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), password)
    except OSError as error:
        raise SigningError(f"cannot read {error.filename}: {error.strerror}") from None
    except ValueError as error:
        raise SigningError(f"{path} cannot be opened ({error}): check the password file") from None
    if key is None or certificate is None:
        raise SigningError(f"{path} holds no private key with its certificate")
    der = serialization.Encoding.DER
    signer = certificate.subject.rfc4514_string()
    return SigningIdentity(
        key=key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        certificate=certificate.public_bytes(der),
        chain=tuple(item.public_bytes(der) for item in chain),
        signer=settings.bank_name or signer,
    )


def own_certificate(data_dir: Path) -> bytes | None:
    """The hub's own signing certificate (DER), if it made one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        pem = (data_dir / CERT_FILE).read_bytes()
    except OSError:
        return None
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _own_identity(data_dir: Path, bank_name: str) -> SigningIdentity:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key_path, cert_path = data_dir / KEY_FILE, data_dir / CERT_FILE
    der = serialization.Encoding.DER
    pkcs8 = serialization.PrivateFormat.PKCS8
    if not key_path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        name = bank_name or "Videoberatung"
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"{name} – Beratungsprotokolle"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365 * OWN_CERT_YEARS))
            # content_commitment (non-repudiation): what a signature on a record claims, and
            # what pyHanko's validation asks of a signer's certificate by default.
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        pem = key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())
        # Made 0600 before a byte is written, and only once (O_EXCL): two instances starting
        # together cannot both make a key; the loser reads the winner's below.
        try:
            handle = os.open(key_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "wb") as out:
                out.write(pem)
            cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
            logger.info(
                "made the hub's record signing key %s (certificate %s, SHA-256 %s)",
                key_path,
                cert_path,
                fingerprint(certificate.public_bytes(der)),
            )
    key_loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    certificate_der = own_certificate(data_dir)
    if certificate_der is None:
        raise SigningError(f"{cert_path} is missing beside {key_path}: restore it from the backup")
    return SigningIdentity(
        key=key_loaded.private_bytes(der, pkcs8, serialization.NoEncryption()),
        certificate=certificate_der,
        signer=bank_name or "Videoberatung",
    )


def seal(pdf: bytes, events: bytes, head: str, identity: SigningIdentity, reason: str) -> bytes:
    """The record with its events attached and their head in its information, signed.
    Runs in the record process (record_keeping.py): pure work on bytes."""
    # asn1crypto ships no type information; pyHanko takes its certificate and key types.
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(sealing.ATTACHMENT_NAME, events)
    writer.add_metadata({HEAD_KEY: head})
    unsigned = io.BytesIO()
    writer.write(unsigned)

    certificate = asn1_x509.Certificate.load(identity.certificate)
    chain = [asn1_x509.Certificate.load(der) for der in identity.chain]
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [certificate, *chain]
        ),
    )
    metadata = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=identity.signer or None,
    )
    unsigned.seek(0)
    out = signers.sign_pdf(IncrementalPdfFileWriter(unsigned), metadata, signer=signer)
    return bytes(out.getvalue())


# --- checking ---


@dataclass(slots=True)
class Verdict:
    """What a check proved (``lines``) and, if it failed, the one reason why."""

    lines: list[str] = field(default_factory=list)
    failure: str | None = None
    reference: str = ""
    events: list[sealing.Event] = field(default_factory=list)
    head: str = ""

    @property
    def valid(self) -> bool:
        return self.failure is None


class RecordUnreadable(Exception):
    """Not a file ``verify`` can check at all (usage: wrong file)."""


def check_record(data: bytes, trusted: Sequence[bytes] = ()) -> Verdict:
    """Check a record by itself: the signature over the whole file (by which certificate,
    and whether it is one of ``trusted``, DER), then the chain it carries."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    verdict = Verdict()
    if not data.startswith(b"%PDF-"):
        raise RecordUnreadable("this is not a PDF file")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            verdict.failure = "the file carries no signature: it is not a sealed record"
            return verdict
        from asn1crypto import x509 as asn1_x509

        roots = [asn1_x509.Certificate.load(der) for der in trusted]
        status = validate_pdf_signature(
            signatures[-1], ValidationContext(trust_roots=roots, allow_fetching=False)
        )
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as error:
        verdict.failure = (
            f"the file cannot be read as a signed PDF: it was damaged or changed ({error})"
        )
        return verdict
    certificate_der = status.signing_cert.dump()
    who = status.signing_cert.subject.human_friendly
    if not status.intact:
        verdict.failure = (
            "the signature does not match the file: it was changed after it was signed"
        )
        return verdict
    if not status.valid:
        verdict.failure = f"the signature is not a valid signature by the certificate of {who}"
        return verdict
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        verdict.failure = (
            "the file was extended after it was signed (the signature covers part of it)"
        )
        return verdict
    verdict.lines.append(f"Signature: intact, the whole file is as signed by {who}.")
    verdict.lines.append(f"Certificate: SHA-256 {fingerprint(certificate_der)}")
    if trusted:
        if certificate_der in trusted or status.trusted:
            verdict.lines.append("Certificate: this hub's record signing certificate.")
        else:
            verdict.failure = (
                "the record is signed by a certificate this hub does not sign with "
                "(not ours, or made by another hub)"
            )
            return verdict
    else:
        verdict.lines.append(
            "Certificate: not compared with the hub's (none known here): compare the "
            "fingerprint with the one the bank publishes."
        )
    signed_at = status.signer_reported_dt
    if signed_at is not None:
        verdict.lines.append(
            f"Signed at: {signed_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC "
            "(the signer's clock)."
        )
    _check_chain(data, verdict)
    return verdict


def _check_chain(data: bytes, verdict: Verdict) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        attached = reader.attachments.get(sealing.ATTACHMENT_NAME)
        information = reader.metadata
        info_head = str(information.get(HEAD_KEY, "")) if information is not None else ""
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        verdict.failure = f"the record's attachments cannot be read ({error})"
        return
    if not attached:
        verdict.failure = f"the record carries no events ({sealing.ATTACHMENT_NAME} is missing)"
        return
    try:
        sealed = sealing.read_document(attached[0])
        head = sealing.check(sealed.events)
    except sealing.ChainError as error:
        verdict.failure = f"the record's events do not hold together: {error}"
        return
    if head != sealed.head or head != info_head:
        verdict.failure = "the record's chain head is not the one its events make"
        return
    verdict.reference, verdict.events, verdict.head = sealed.reference, sealed.events, head
    kinds: dict[str, int] = {}
    for event in sealed.events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    verdict.lines.append(
        f"Events: {len(sealed.events)} of consultation {sealed.reference} ({summary}), "
        "each sealed to the one before it."
    )
    verdict.lines.append(f"Chain head: {head}")


def compare_with_database(
    verdict: Verdict,
    stored: Sequence[EventRecord],
    stored_head: str,
    chat: Sequence[ChatRecord],
) -> None:
    """Check a record's chain against the hub's database: the stored events still make the
    stored head, the record's events are the stored ones (the database may hold later ones,
    such as pages shown after the record was made), and every stored chat message is the one
    that was sealed."""
    reference = verdict.reference
    events = chain_of(stored)
    try:
        head = sealing.check(events)
    except sealing.ChainError as error:
        verdict.failure = f"the database's events of {reference} were changed: {error}"
        return
    if head != (stored_head or sealing.GENESIS):
        verdict.failure = f"the database's chain head of {reference} is not the one its events make"
        return
    if len(events) < len(verdict.events) or any(
        mine.hash != theirs.hash for mine, theirs in zip(verdict.events, events, strict=False)
    ):
        verdict.failure = (
            f"the record's events differ from those the database holds for {reference}"
        )
        return
    sealed_chat = {int(event.data["seq"]): event.data for event in events if event.kind == "chat"}
    for message in chat:
        sealed = sealed_chat.pop(message.seq, None)
        if sealed is None:
            verdict.failure = (
                f"chat message {message.seq} in the database was never sealed (added later)"
            )
            return
        changed = [
            name
            for name, value in (
                ("text", message.text),
                ("author_name", message.author_name),
                ("author_role", message.author_role),
                ("client_id", message.client_id),
            )
            if sealed.get(name) != value
        ]
        if changed:
            verdict.failure = (
                f"chat message {message.seq} in the database differs from the sealed chain "
                f"(its {' and '.join(changed)} changed after it was sealed)"
            )
            return
    if sealed_chat:
        verdict.failure = (
            f"chat message {min(sealed_chat)} was sealed but is missing from the database"
        )
        return
    later = len(events) - len(verdict.events)
    verdict.lines.append(
        f"Database: the hub holds the same chain for {reference}, head included"
        + (f", and {later} later event(s)" if later else "")
        + f"; every chat message it stores ({len(chat)}) is as sealed."
    )


def chain_of(stored: Sequence[EventRecord]) -> list[sealing.Event]:
    """Stored events as the chain takes them."""
    return [
        sealing.Event(item.seq, item.kind, item.at, json.loads(item.data), item.hash)
        for item in stored
    ]


def sealed_record(
    facts: RecordFacts,
    pdf: bytes,
    shown: Sequence[ShownPage],
    events: bytes,
    head: str,
    identity: SigningIdentity,
) -> bytes:
    """The record laid out (record.py), its events attached, signed: one call for the record
    process, so the PDF crosses between processes once."""
    reason = f"Beratungsprotokoll / consultation record {facts.reference}"
    return seal(compose_record(facts, pdf, shown), events, head, identity, reason)
