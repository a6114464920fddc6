"""`HmacSha256Signer` of @aegis-runtime/core, in Python (LEDGER-SIGN)."""

import base64
import hashlib
import hmac

from aegis_runtime_ledger.stringify import stable_stringify


class HmacSha256Signer:
    def __init__(self, key_id, secret):
        if not isinstance(secret, (bytes, bytearray)):
            raise TypeError(f"secret must be bytes, got {type(secret).__name__}")
        self.key_id = key_id
        self._secret = bytes(secret)

    def sign(self, payload):
        """base64url, without padding, of HMAC-SHA256(secret, UTF-8 of stable_stringify(payload))."""
        message = stable_stringify(payload).encode("utf-8")  # lone surrogates come out escaped
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
