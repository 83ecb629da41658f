"""The one password for changes: salted scrypt hashes (hashlib, no extra dependency), kept in
the store's state table. Both faces use it: `stromzaehler passwd` sets it, the web's login
checks it and its password route changes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Protocol

# n=2**14, r=8 needs 16 MiB and about 0.1 s on a PC: slow enough for guessing, fine on a Pi.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8
PASSWORD_KEY = "password_hash"  # key in the store's state table


class StateStore(Protocol):
    def get_state(self, key: str) -> str | None: ...
    def set_state(self, key: str, value: str) -> None: ...


def set_password(store: StateStore, password: str) -> None:
    """Store the hash of a new password; ValueError (one line) when it is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    store.set_state(PASSWORD_KEY, hash_password(password))


def password_is_set(store: StateStore) -> bool:
    return store.get_state(PASSWORD_KEY) is not None


def check_password(store: StateStore, password: str) -> bool:
    """True when `password` is the stored one (False when none is set)."""
    stored = store.get_state(PASSWORD_KEY)
    return stored is not None and verify_password(password, stored)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    encode = base64.b64encode
    return (
        f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        # A lone surrogate (only JSON can send one) has no UTF-8 form: it just does not match.
        password.encode("utf-8", "surrogatepass"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)
