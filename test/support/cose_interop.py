"""Independent COSE check for test/protocol/cose-interop.test.ts, with pycose (RFC 9052).

Reads one JSON object from stdin: {"cases": [...]}, each case one of
  {"kind": "sign1", "message": hex, "key": hex, "cwt": bool}
                                                            verify a COSE_Sign1 with an Ed25519 key;
                                                            with cwt, also return the certificate's claims
  {"kind": "sign", "message": hex, "keys": [hex, ...]}      verify each COSE_Signature of a COSE_Sign
  {"kind": "make_sign1", "payload": hex, "secret": hex, "key": hex}
                                                            sign a COSE_Sign1 (EdDSA, empty unprotected)
  {"kind": "make_sign", "payload": hex, "signers": [{"secret": hex, "key": hex, "kcwt": hex}, ...]}
                                                            sign a COSE_Sign, one signature per signer
and prints one JSON object: {"pycose": version, "results": [...]} in the same order.
"""
import json
import sys
from importlib.metadata import version

import cbor2
from pycose.headers import Algorithm
from pycose.algorithms import EdDSA
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message, SignMessage
from pycose.messages.signer import CoseSignature

KCWT = 13  # RFC 9528; pycose keeps unknown labels as integers


def okp(key_hex, secret_hex=None):
    if secret_hex is None:
        return OKPKey(crv=Ed25519, x=bytes.fromhex(key_hex))
    return OKPKey(crv=Ed25519, x=bytes.fromhex(key_hex), d=bytes.fromhex(secret_hex))


def alg_of(phdr):
    alg = phdr.get(Algorithm)
    return None if alg is None else alg.identifier


def uhdr_labels(uhdr):
    return sorted(k if isinstance(k, int) else k.identifier for k in uhdr)


def verify_sign1(case):
    raw = bytes.fromhex(case["message"])
    msg = CoseMessage.decode(raw)
    if not isinstance(msg, Sign1Message):
        return {"ok": False, "error": f"decoded as {type(msg).__name__}"}
    msg.key = okp(case["key"])
    out = {
        "ok": bool(msg.verify_signature()),
        "alg": alg_of(msg.phdr),
        "uhdrLabels": uhdr_labels(msg.uhdr),
        "payload": msg.payload.hex(),
    }
    if case.get("cwt"):
        # A certificate: its CWT claims, read by cbor2 (another independent CBOR decoder).
        claims = cbor2.loads(msg.payload)
        key = claims[8][1]
        out["claims"] = {
            "iss": claims[1], "sub": claims[2], "exp": claims[4], "nbf": claims[5], "role": claims[-65537],
            "cnf": {"kty": key[1], "alg": key[3], "crv": key[-1], "x": key[-2].hex()},
        }
    return out


def verify_sign(case):
    msg = CoseMessage.decode(bytes.fromhex(case["message"]))
    if not isinstance(msg, SignMessage):
        return {"ok": False, "error": f"decoded as {type(msg).__name__}"}
    keys = case["keys"]
    if len(msg.signers) != len(keys):
        return {"ok": False, "error": f"{len(msg.signers)} signatures"}
    each = []
    for signature, key in zip(msg.signers, keys):
        signature.key = okp(key)
        each.append(bool(signature.verify_signature()))
    return {
        "ok": all(each),
        "each": each,
        "payload": msg.payload.hex(),
        "algs": [alg_of(s.phdr) for s in msg.signers],
        "uhdrLabels": [uhdr_labels(s.uhdr) for s in msg.signers],
    }


def make_sign1(case):
    msg = Sign1Message(phdr={Algorithm: EdDSA}, payload=bytes.fromhex(case["payload"]))
    msg.key = okp(case["key"], case["secret"])
    return {"message": msg.encode().hex()}


def make_sign(case):
    signers = []
    for s in case["signers"]:
        kcwt = cbor2.loads(bytes.fromhex(s["kcwt"]))
        signers.append(CoseSignature(phdr={Algorithm: EdDSA}, uhdr={KCWT: kcwt}, key=okp(s["key"], s["secret"])))
    msg = SignMessage(phdr={}, uhdr={}, payload=bytes.fromhex(case["payload"]), signers=signers)
    return {"message": msg.encode().hex()}


HANDLERS = {"sign1": verify_sign1, "sign": verify_sign, "make_sign1": make_sign1, "make_sign": make_sign}


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            results.append(HANDLERS[case["kind"]](case))
        except Exception as e:  # a refusal by pycose is a result, not a crash
            results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
    json.dump({"pycose": version("pycose"), "cbor2": version("cbor2"), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
