"""An independent reader of a Liaison keyset, written from the README's format description
alone, with PyNaCl (ed25519) and cbor2: it shares no code with Liaison.

Usage: python3 check_keyset.py KEYSET.json
Prints one line per certified and per revoked key; exits non-zero on anything invalid.
"""
import base64
import datetime
import json
import sys

import cbor2
from nacl.signing import VerifyKey


def verify(context, key, body, signature):
    # ed25519 over context || bytes; raises nacl.exceptions.BadSignatureError.
    VerifyKey(key).verify(context + body, signature)


def when(text):
    # RFC 3339 in UTC ("...Z"), with up to nine fractional digits.
    date, _, frac = text.rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(date + ("." + frac[:6] if frac else "") + "+00:00")


def main(path):
    file = json.load(open(path))
    assert file["format"] == "liaison-keyset/1", file["format"]
    assert set(file) == {"format", "keyset", "signature"}, "unsigned fields in the file"
    body = base64.b64decode(file["keyset"], validate=True)
    keyset = cbor2.loads(body)
    assert keyset["v"] == 1
    authority = keyset["authority"]
    verify(b"liaison/keyset/v1\x00", authority, body, bytes.fromhex(file["signature"]))
    now = datetime.datetime.now(datetime.timezone.utc)
    assert when(keyset["expires"]) > now, "expired keyset"
    for signed in keyset["certificates"]:
        cert = cbor2.loads(signed["bytes"])
        verify(b"liaison/cert/v1\x00", cert["authority"], signed["bytes"], signed["signature"])
        assert cert["authority"] == authority and cert["mechanism"] == keyset["mechanism"]
        print("certified", cert["key"].hex(), cert["mechanism"], cert["role"],
              cert["not_before"], cert.get("not_after", "-"))
    for signed in keyset["revocations"]:
        revocation = cbor2.loads(signed["bytes"])
        verify(b"liaison/revocation/v1\x00", revocation["authority"], signed["bytes"],
               signed["signature"])
        assert revocation["authority"] == authority
        assert revocation["mechanism"] == keyset["mechanism"]
        print("revoked", revocation["key"].hex(), revocation["reason"], revocation["revoked_at"])


main(sys.argv[1])
