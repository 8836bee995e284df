// AssemblyScript side of the shared protocol vectors (test/vectors/protocol/checks.json): the host
// hands over each check's bytes; this module reads them with the applet's own COSE and CBOR
// readers, keeps the body's fields in a log record, re-encodes the body with the applet's check
// encoder (purse.ts checkBody) and says whether it is byte for byte the signed payload.
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint } from '../assembly/cbor';
import { parseSign1, Signed } from '../assembly/cose';
import { BODY, CERT_TMP, E_PURSE_ID } from '../assembly/layout';
import { checkBody } from '../assembly/purse';

const REC: usize = 0x6e80; // the log record (layout.ts), read back by the host

export function input(): usize { return 0x1000; }
export function record(): usize { return REC; }

/** 1: the body re-encodes to the payload; 0: it differs; negative: the applet could not read it (−code). */
export function roundTrip(len: usize): i32 {
  const msg = changetype<Signed>(CERT_TMP);
  if (!parseSign1(0x1000, 0x1000 + len, msg, true)) return -107;
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  if (expect(5) != 10) return -106;
  memory.fill(REC, 0, 128);
  store<u8>(REC, 1);
  if (!key(0) || uint() != 4) return -102;
  if (!key(1) || uint() != 1) return -103;
  if (!key(2)) return -cborError;
  const hash = str(2);
  if (hv != 32) return -106;
  memory.copy(REC + 28, hash, 32);
  if (!key(3)) return -cborError;
  store<u64>(REC + 12, uint());
  if (!key(4)) return -cborError;
  memory.copy(REC + 124, currency(), 3);
  if (!key(5)) return -cborError;
  const mid = ident();
  store<u8>(REC + 2, <u8>hv);
  memory.copy(REC + 60, mid, <usize>hv);
  if (!key(6)) return -cborError;
  const pid = ident();
  store<u8>(E_PURSE_ID, <u8>hv);
  memory.copy(E_PURSE_ID + 1, pid, <usize>hv);
  if (!key(7)) return -cborError;
  store<u64>(REC + 4, uint());
  if (!key(8)) return -cborError;
  store<u64>(REC + 20, uint());
  if (!key(9)) return -cborError;
  store<u8>(REC + 1, <u8>uint());
  if (cborError != 0) return -cborError;
  if (rp != rend) return -100;
  const n = checkBody(REC);
  if (n != msg.payloadLen) return 0;
  return memory.compare(BODY, msg.payload, n) == 0 ? 1 : 0;
}
