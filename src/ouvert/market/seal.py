"""Sealing: how proposal content is encrypted at rest and fingerprinted.

Envelope encryption with AES-256-GCM: each sealed document gets its own random data key, which is
itself encrypted ("wrapped") with a master key of the key ring. The key ring comes from
``OUVERT_MARKET_SEAL_KEYS`` (``id:base64-key,…``, the first one seals, every one opens: rotation
without re-encryption); without it, one key is derived from ``SECRET_KEY`` (id ``secret``), which is
enough for the embedded installation but ties proposals to that secret: production sets its own keys,
kept apart from the database (see the README).

The associated data binds a ciphertext to its place (``aad``: the proposal and the version), so a
ciphertext copied onto another proposal does not open. Opening a tampered ciphertext raises
``SealBroken``.

This module knows nothing of deadlines: ``proposals`` is its only caller and decides when opening is
allowed (never before the deadline, except a supplier's own draft).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
KEY_ID_MAX = 20  # Submission.key_id and Proposal.draft_key_id


class SealBroken(Exception):
    """A ciphertext that does not open: altered, moved, or sealed with a key the ring no longer has."""


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes
    wrapped_key: bytes
    key_id: str
    digest: str  # SHA-256 of the canonical document (the receipt)
    sealed_digest: str  # SHA-256 of the ciphertext


def canonical(document: dict) -> bytes:
    """The one byte form of a document whose SHA-256 is its receipt (sorted keys, no spaces, UTF-8)."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_ring() -> dict[str, bytes]:
    """The master keys by id, the sealing one first."""
    raw = getattr(settings, "OUVERT_MARKET_SEAL_KEYS", "") or ""
    ring: dict[str, bytes] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            key = b""
        if not sep or not key_id or len(key_id) > KEY_ID_MAX or len(key) != 32:
            raise ImproperlyConfigured(
                f"OUVERT_MARKET_SEAL_KEYS: each key is 'id:<32 bytes in base64>', the id at most {KEY_ID_MAX} "
                "characters (python -c 'from ouvert.market.seal import new_master_key; print(new_master_key())' "
                "makes a key)."
            )
        ring[key_id] = key
    if not ring:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ouvert.market.seal",
                       info=b"master key").derive(settings.SECRET_KEY.encode())
        ring["secret"] = derived
    return ring


def new_master_key() -> str:
    """A fresh master key, as ``OUVERT_MARKET_SEAL_KEYS`` writes it (base64)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def seal(document: dict, *, aad: str) -> Sealed:
    plain = canonical(document)
    ring = key_ring()
    key_id, master = next(iter(ring.items()))
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plain, aad.encode())
    key_nonce = os.urandom(NONCE_BYTES)
    wrapped = key_nonce + AESGCM(master).encrypt(key_nonce, data_key, aad.encode())
    return Sealed(ciphertext, wrapped, key_id, sha256(plain), sha256(ciphertext))


def unseal(ciphertext: bytes, wrapped_key: bytes, key_id: str, *, aad: str) -> bytes:
    """The canonical document's bytes (hash them to check a receipt; ``json.loads`` to read them)."""
    master = key_ring().get(key_id)
    if master is None:
        raise SealBroken(f"master key {key_id!r} is not in OUVERT_MARKET_SEAL_KEYS")
    ciphertext, wrapped_key = bytes(ciphertext), bytes(wrapped_key)
    try:
        data_key = AESGCM(master).decrypt(wrapped_key[:NONCE_BYTES], wrapped_key[NONCE_BYTES:], aad.encode())
        return AESGCM(data_key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], aad.encode())
    except (InvalidTag, ValueError) as exc:
        raise SealBroken("the sealed content does not open: altered, moved or sealed with another key") from exc


# --- What is sealed -----------------------------------------------------------------------------
#: A sealed proposal is the canonical JSON of::
#:
#:     {"format": DOCUMENT_FORMAT, "opportunity": reference, "supplier": {"neq", "legal_name"},
#:      "version": n, "submitted_at": ISO 8601 (UTC), "salt": 32 hex digits (random),
#:      "content": {"summary", "approach", "team", "schedule", "criteria": {criterion id (str): text}},
#:      "attachments": [{"name", "content_type", "size", "sha256", "data" (base64)}],
#:      "attestations": {"no_conflict_of_interest": true, "terms_accepted": true}}
#:
#: A draft is the same without ``version``, ``submitted_at``, ``salt`` and ``attestations``. The salt makes
#: the receipt of a short proposal unguessable before the deadline.
DOCUMENT_FORMAT = "ouvert.market.proposal/1"
CONTENT_FIELDS = ("summary", "approach", "team", "schedule")


def submission_aad(proposal_id: int, version: int) -> str:
    return f"market.submission:{proposal_id}:{version}"


def draft_aad(proposal_id: int) -> str:
    return f"market.draft:{proposal_id}"
