"""The checkpoint signing key (Ed25519).

Read from ``DISCRETION_SIGNING_KEY_FILE`` (a PKCS#8 PEM file); otherwise from
``signing-key.pem`` in the data directory, created with mode 0600 on first use.
Keys are never committed. Verifiers need only the public key (``discretion audit key``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..store.db import data_dir


def key_path() -> Path:
    env = os.environ.get("DISCRETION_SIGNING_KEY_FILE")
    return Path(env) if env else data_dir() / "signing-key.pem"


def load_signing_key(create: bool = True) -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        if not create or os.environ.get("DISCRETION_SIGNING_KEY_FILE"):
            raise FileNotFoundError(f"no signing key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = path.read_bytes()
    try:
        loaded = serialization.load_pem_public_key(data)
    except ValueError:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key") from None
        return private.public_key()
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return loaded


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()
