"""AES-GCM encryption of personal fields and HMAC-SHA256 blind indexes.

Keys live outside the database: in the environment or in files (the embedded default
generates them under var/keys/ on first use). A ciphertext carries the id of the key that
made it, so keys can rotate: new writes use the first (current) key, old rows still
decrypt with theirs until `ruhu keys rotate` re-encrypts them. The blind-index (HMAC) key
does not rotate this way: a new one would change every index value, so replacing it is a
reindexing migration of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import operator
import os
import secrets
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ruhu.common.private_files import open_private, private_dir

PREFIX = "v1"
HMAC_BLOCK = 64  # bytes: the block of SHA-256, which HMAC pads its key to


def new_key_b64() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def parse_keys(raw: str) -> list[tuple[str, bytes]]:
    keys = []
    for item in raw.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        kid, sep, b64 = item.partition(":")
        if not sep or not kid.isalnum():
            raise ImproperlyConfigured("field keys must look like 'id:base64key'")
        key = base64.b64decode(b64)
        if len(key) != 32:
            raise ImproperlyConfigured(f"field key {kid} must be 32 bytes (AES-256)")
        keys.append((kid, key))
    if not keys:
        raise ImproperlyConfigured("no field encryption key configured")
    return keys


def _read_or_create(path: Path, make) -> str:
    """Read a key file, creating it (mode 0600, folder 0700) the first time."""
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text()


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]
    blind_key: bytes

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, kid: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == kid:
                return key
        raise ImproperlyConfigured(f"field key {kid!r} is not configured; cannot decrypt")


_adopted: KeyRing | None = None


def keyring() -> KeyRing:
    return _adopted or _loaded_keyring()


def keyring_adopt(ring: KeyRing) -> None:
    """Use `ring` in this process: a worker process takes its parent's keys this way."""
    global _adopted
    _adopted = ring
    _cipher.cache_clear()


@cache
def _loaded_keyring() -> KeyRing:
    if settings.RUHU_FIELD_KEYS:
        raw_keys = settings.RUHU_FIELD_KEYS
    else:
        raw_keys = _read_or_create(
            Path(settings.RUHU_FIELD_KEYS_FILE), lambda: f"k1:{new_key_b64()}\n"
        )
    if settings.RUHU_BLIND_INDEX_KEY:
        raw_blind = settings.RUHU_BLIND_INDEX_KEY
    else:
        raw_blind = _read_or_create(
            Path(settings.RUHU_BLIND_INDEX_KEY_FILE),
            lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        )
    blind = base64.b64decode(raw_blind.strip())
    if len(blind) < 32:
        raise ImproperlyConfigured("the blind-index key must be at least 32 bytes")
    return KeyRing(keys=tuple(parse_keys(raw_keys)), blind_key=blind)


def keyring_reload() -> None:
    """Forget the loaded keys (after a key file changed)."""
    _loaded_keyring.cache_clear()
    _cipher.cache_clear()


def add_key_to_file() -> str:
    """Prepend a new current key to the key file (embedded default only)."""
    if settings.RUHU_FIELD_KEYS:
        raise ImproperlyConfigured(
            "keys come from RUHU_FIELD_KEYS: put the new key first there, "
            "then run `ruhu keys rotate`"
        )
    path = Path(settings.RUHU_FIELD_KEYS_FILE)
    existing = parse_keys(_read_or_create(path, lambda: f"k1:{new_key_b64()}\n"))
    numbers = [int(kid[1:]) for kid, _ in existing if kid[1:].isdigit()]
    kid = f"k{max(numbers, default=0) + 1}"
    lines = [f"{kid}:{new_key_b64()}"] + [
        f"{k}:{base64.b64encode(v).decode()}" for k, v in existing
    ]
    tmp = path.with_suffix(".tmp")
    with open_private(tmp) as fh:
        fh.write("\n".join(lines) + "\n")
    tmp.replace(path)
    keyring_reload()
    return kid


@cache
def _cipher(kid: str) -> AESGCM:
    return AESGCM(keyring().key(kid))


def encrypt(plaintext: str, *, aad: str) -> str:
    ring = keyring()
    nonce = secrets.token_bytes(12)
    sealed = _cipher(ring.current_id).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def decrypt(token: str, *, aad: str) -> str:
    prefix, kid, b64 = token.split(":", 2)
    if prefix != PREFIX:
        raise ValueError("unknown ciphertext format")
    blob = base64.b64decode(b64)
    return _cipher(kid).decrypt(blob[:12], blob[12:], aad.encode()).decode()


def blind_index(purpose: str, normalized: str) -> str:
    """Deterministic keyed hash for exact search: equal inputs, equal outputs; no way back."""
    return hmac.digest(keyring().blind_key, f"{purpose}\x00{normalized}".encode(), "sha256").hex()


def encrypt_many(plaintexts: list[str], *, aad: str) -> list[str]:
    """`encrypt` for a column of values at once ("" stays ""), for bulk imports: the
    per-value steps are C loops (map), and the tokens come out of one join and one split
    (base64 ends each with a newline, which no token holds)."""
    ring = keyring()
    head = f"{PREFIX}:{ring.current_id}:".encode()
    present = [text for text in plaintexts if text]
    if not present:
        return list(plaintexts)
    pool = secrets.token_bytes(12 * len(present))
    nonces = [pool[start : start + 12] for start in range(0, len(pool), 12)]
    sealed = map(
        _cipher(ring.current_id).encrypt, nonces, map(str.encode, present), repeat(aad.encode())
    )
    blobs = map(binascii.b2a_base64, map(operator.add, nonces, sealed))
    tokens = (head + head.join(blobs)).decode().split("\n")
    tokens.pop()  # after the last newline
    if len(present) == len(plaintexts):
        return tokens
    found = iter(tokens)
    return [next(found) if text else "" for text in plaintexts]


def blind_index_many(purpose: str, values: list[str]) -> list[str]:
    """`blind_index` for a column of normalised values at once ("" stays ""), for bulk
    imports. The same HMAC-SHA256, computed from the key's inner and outer states made once
    (RFC 2104): a copy of each per value instead of a keyed setup per value."""
    inner, outer = _hmac_states(keyring().blind_key, f"{purpose}\x00".encode())
    copy_inner, copy_outer = inner.copy, outer.copy
    out: list[str] = []
    append = out.append
    for value in values:
        if not value:
            append("")
            continue
        step = copy_inner()
        step.update(value.encode())
        final = copy_outer()
        final.update(step.digest())
        append(final.hexdigest())
    return out


@cache
def _hmac_states(key: bytes, head: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 after the key's inner pad and `head`, and after its outer pad."""
    if len(key) > HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(HMAC_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key) + head)
    return inner, hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
