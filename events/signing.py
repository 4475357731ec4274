"""Ed25519 keys: every batch of events is signed by the key of whoever wrote it.

A person's (or component's) key signs each saved batch of events: the signature
covers the key id, the batch's first and last position and the chain link of its
last event (:mod:`events.chain`). That link is a hash over every event before it
and over the batch's own events, so one signature per batch makes every event in
it verifiable, at the cost of one signature (~50 µs) per transaction.

Whoever can write the store can still recompute the hash chain; they cannot make
a signature without a private key. Which keys count, and for whom and which roles,
is decided by the enrolment events in the log itself (:mod:`events.keyring`).

Key files are JSON with the private key in base64, written with mode 0600. Keep
them like SSH keys: one per person, never copied into the store's folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.errors import NotAuthorised

KEY_FILE_FORMAT = "docket-ed25519-v1"


def key_id_of(public_key: bytes) -> str:
    """A short stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def batch_message(key_id: str, first_id: int, last_id: int, link: bytes) -> bytes:
    """What a batch signature covers (fields separated so no two batches share bytes)."""
    return f"docket-batch\x1f{key_id}\x1f{first_id}\x1f{last_id}\x1f".encode() + link


def checkpoint_message(position: int, head: str, at: str, key_id: str) -> bytes:
    """What a checkpoint signature covers."""
    return f"docket-checkpoint\x1f{position}\x1f{head}\x1f{at}\x1f{key_id}".encode()


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    """A private key held by this process (never stored in the log)."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    # --- files ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the key to ``path`` (mode 0600); refuse to overwrite an existing file."""
        raw = self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        text = json.dumps(
            {
                "format": KEY_FILE_FORMAT,
                "key_id": self.key_id,
                "public_key": self.public_key.hex(),
                "private_key": base64.b64encode(raw).decode(),
            },
            indent=1,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise NotAuthorised(f"key file {path} already exists; choose another path") from exc
        except OSError as exc:
            raise NotAuthorised(f"cannot write key file {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        """Read a key file. Raises NotAuthorised naming the file and the problem."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
                raise ValueError("not a Docket key file")
            raw = base64.b64decode(data["private_key"], validate=True)
            return cls(Ed25519PrivateKey.from_private_bytes(raw))
        except OSError as exc:
            raise NotAuthorised(f"cannot read key file {path}: {exc.strerror}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise NotAuthorised(f"{path} is not a Docket key file") from exc


def parse_public_key(text: str) -> bytes:
    """A public key given as 64 hex digits. Raises NotAuthorised otherwise."""
    try:
        raw = bytes.fromhex(text.strip())
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise NotAuthorised(
            "a public key is 64 hex digits (shown by `docket keys create`)"
        ) from exc
    return raw
