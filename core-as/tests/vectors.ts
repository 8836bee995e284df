// AssemblyScript side of the shared protocol vectors (test/vectors/protocol/checks.json): the host
// hands over each check's bytes; this module reads them with the applet's own COSE and CBOR
// readers, keeps the body's fields in a log record, re-encodes the body with the applet's check
// encoder (purse.ts checkBody) and says whether it is byte for byte the signed payload.
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint } from '../assembly/cbor';
import { parseSign1, Signed } from '../assembly/cose';
import { BODY, CERT_TMP, E_PURSE_ID, IN_BUF, Log, LOG_SIZE, LOGREC } from '../assembly/layout';
import { checkBody } from '../assembly/purse';
import { BodyKey, ByteLength, DigitalCheck, ErrorCode, FORMAT_VERSION, LogKind, MessageType } from '../assembly/wire';

const REC = LOGREC; // the log record, read back by the host

export function input(): usize { return IN_BUF; }
export function record(): usize { return REC; }

/** 1: the body re-encodes to the payload; 0: it differs; negative: the applet could not read it (−code). */
export function roundTrip(len: usize): i32 {
  const msg = changetype<Signed>(CERT_TMP);
  if (!parseSign1(IN_BUF, IN_BUF + len, msg, true)) return -ErrorCode.BadCoseStructure;
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  if (expect(5) != DigitalCheck.entries) return -ErrorCode.BadField;
  memory.fill(REC, 0, LOG_SIZE);
  store<u8>(REC + Log.kind, LogKind.purchase);
  if (!key(BodyKey.type) || uint() != MessageType.DigitalCheck) return -ErrorCode.WrongMessageType;
  if (!key(BodyKey.version) || uint() != FORMAT_VERSION) return -ErrorCode.UnsupportedVersion;
  if (!key(DigitalCheck.slipHash)) return -cborError;
  const hash = str(2);
  if (hv != ByteLength.hash) return -ErrorCode.BadField;
  memory.copy(REC + Log.hash, hash, ByteLength.hash);
  if (!key(DigitalCheck.amount)) return -cborError;
  store<u64>(REC + Log.amount, uint());
  if (!key(DigitalCheck.currency)) return -cborError;
  memory.copy(REC + Log.currency, currency(), 3);
  if (!key(DigitalCheck.merchantId)) return -cborError;
  const mid = ident();
  store<u8>(REC + Log.idLength, <u8>hv);
  memory.copy(REC + Log.id, mid, <usize>hv);
  if (!key(DigitalCheck.purseId)) return -cborError;
  const pid = ident();
  store<u8>(E_PURSE_ID, <u8>hv);
  memory.copy(E_PURSE_ID + 1, pid, <usize>hv);
  if (!key(DigitalCheck.serial)) return -cborError;
  store<u64>(REC + Log.serial, uint());
  if (!key(DigitalCheck.time)) return -cborError;
  store<u64>(REC + Log.time, uint());
  if (!key(DigitalCheck.channel)) return -cborError;
  store<u8>(REC + Log.channel, <u8>uint());
  if (cborError != 0) return -cborError;
  if (rp != rend) return -ErrorCode.MalformedCbor;
  const n = checkBody(REC);
  if (n != msg.payloadLen) return 0;
  return memory.compare(BODY, msg.payload, n) == 0 ? 1 : 0;
}
