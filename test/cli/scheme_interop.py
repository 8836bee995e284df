"""The scheme's files read by an independent COSE/CBOR library (pycose, cbor2), for
test/cli/scheme.test.ts: argv is the root's public key (hex), the root certificate, a bank
certificate and that bank's public keys file. Prints one JSON object: each certificate's signature
check under the root key and its claims, and each public key's curve and x.
"""
import json
import sys

import cbor2
from pycose.keys import CoseKey, OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message


def certificate(path, key):
    with open(path, "rb") as f:
        msg = CoseMessage.decode(f.read())
    if not isinstance(msg, Sign1Message):
        return {"ok": False, "error": f"decoded as {type(msg).__name__}"}
    msg.key = OKPKey(crv=Ed25519, x=key)
    claims = cbor2.loads(msg.payload)
    return {
        "ok": bool(msg.verify_signature()),
        "iss": claims[1],
        "sub": claims[2],
        "role": claims[-65537],
        "bankRoles": claims.get(-65540),
        "x": claims[8][1][-2].hex(),
    }


def main():
    root_key, root_cert, bank_cert, public_keys = sys.argv[1:5]
    with open(public_keys, "rb") as f:
        keys = [CoseKey.from_dict(k) for k in cbor2.loads(f.read())]
    json.dump(
        {
            "root": certificate(root_cert, bytes.fromhex(root_key)),
            "bank": certificate(bank_cert, bytes.fromhex(root_key)),
            "keys": [{"crv": k.crv.fullname, "x": k.x.hex()} for k in keys],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
