// The host's typed view of the purse applet over any CardReader: one method per command, the
// response decoded, every refusal a CardError with its status word and, for 6A80 and the
// proprietary words, the protocol error code the card reports in GET DATA C4.
import { issueCertificate, type OfflineLimits, type Party, type SecretKey, type Validity } from '../protocol/index.ts';
import { envelope } from '../protocol/messages.ts';
import { newSerial } from '../protocol/pki.ts';
import { LogRecordField as Log, LogKind, StatusField, ValueBlock } from '../protocol/purse-apdu.ts';
import { ByteLength, MessageType, Role } from '../protocol/registry.ts';
import { AID, Cla, command, concat, DataTag, Ins, Param, parseResponse, SW, swHex, u64 } from './apdu.ts';
import type { CardReader } from './reader.ts';
import { exchange, type TransportOptions } from './transport.ts';

export class CardError extends Error {
  constructor(
    readonly sw: number,
    readonly code: number,
    readonly command: string,
  ) {
    super(`${command}: card answered ${swHex(sw)}${code ? ` (error ${code})` : ''}`);
    this.name = 'CardError';
  }
}

/** The purse's counters, from GET DATA C1. */
export interface PurseStatus {
  lifecycle: number;
  pinTries: number;
  pinVerified: boolean;
  roots: number;
  balance: number;
  /** Last serial signed (0: none yet). */
  serial: number;
  loadedTotal: bigint;
  /** Net spent: checks signed minus refunds credited, so loadedTotal = balance + spentTotal. */
  spentTotal: bigint;
  /** Refunds credited back (REFUND); checks signed in all = spentTotal + refundedTotal. */
  refundedTotal: bigint;
  loadCounter: number;
  offlineChecks: number;
  offlineAmount: number;
  logTotal: number;
  appliedTotal: number;
}

export interface LogRecord {
  kind: 'purchase' | 'load' | 'refund';
  channel: number;
  /** Purchase: the check serial; load: the request counter. */
  serial: number;
  amount: number;
  time: number;
  /** Purchase: the slip hash; load: token id (16) ‖ nonce (16); refund: the refunded check's hash. */
  hash: Uint8Array;
  /** Purchase: it was refunded (a refund record follows it in the log). */
  refunded: boolean;
  /** Merchant (purchase) or bank (load). */
  counterparty: string;
  currency: string;
}

const text = new TextDecoder();

export class PurseCard {
  constructor(
    readonly reader: CardReader,
    readonly transport: TransportOptions = {},
  ) {}

  /** Sends a command (chained, and read on with GET RESPONSE, as needed); returns the data on 9000, throws CardError otherwise. */
  async send(name: string, apdu: Uint8Array): Promise<Uint8Array> {
    const { data, sw } = parseResponse(await exchange(this.reader, apdu, this.transport));
    if (sw === SW.ok) return data;
    let code = 0;
    if (
      sw === SW.wrongData ||
      sw === SW.insufficientFunds ||
      sw === SW.limitExceeded ||
      sw === SW.notFound ||
      sw === SW.fileFull
    ) {
      const last = parseResponse(
        await this.reader.transmit(command(Cla.iso, Ins.getData, 0, DataTag.lastError, undefined, true)),
      );
      if (last.sw === SW.ok && last.data.length === 2) code = (last.data[0]! << 8) | last.data[1]!;
    }
    throw new CardError(sw, code, name);
  }

  select() {
    return this.send('SELECT', command(Cla.iso, Ins.select, Param.selectByName, 0x00, AID, true));
  }

  async verifyPin(pin: string) {
    await this.send('VERIFY', command(Cla.iso, Ins.verify, 0, Param.pin, new TextEncoder().encode(pin)));
  }

  async unblock(counter: number, bankSignature: Uint8Array, newPin?: string) {
    const pin = newPin ? new TextEncoder().encode(newPin) : new Uint8Array(0);
    await this.send(
      'RESET RETRY COUNTER',
      command(Cla.iso, Ins.resetRetryCounter, 0, Param.pin, concat(u64(counter), bankSignature, pin)),
    );
  }

  async status(): Promise<PurseStatus> {
    const d = await this.send('GET DATA', command(Cla.iso, Ins.getData, 0, DataTag.status, undefined, true));
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const value = (field: number) => StatusField.valueBlock + field;
    const n = (field: number) => Number(v.getBigUint64(value(field), true));
    const u128 = (at: number) => v.getBigUint64(at, true) + (v.getBigUint64(at + 8, true) << 64n);
    return {
      lifecycle: d[StatusField.lifecycle]!,
      pinTries: d[StatusField.pinTries]!,
      pinVerified: d[StatusField.pinVerified] === 1,
      roots: d[StatusField.roots]!,
      balance: n(ValueBlock.balance),
      serial: n(ValueBlock.serial),
      loadedTotal: u128(value(ValueBlock.loadedTotal)),
      spentTotal: u128(value(ValueBlock.spentTotal)),
      loadCounter: n(ValueBlock.loadCounter),
      offlineChecks: n(ValueBlock.offlineChecks),
      offlineAmount: n(ValueBlock.offlineAmount),
      logTotal: v.getUint32(value(ValueBlock.logTotal), true),
      appliedTotal: v.getUint32(value(ValueBlock.appliedTotal), true),
      refundedTotal: u128(StatusField.refundedTotal),
    };
  }

  async publicKeys(): Promise<{ signingKey: Uint8Array; kxKey: Uint8Array }> {
    const d = await this.send('GET DATA', command(Cla.iso, Ins.getData, 0, DataTag.publicKeys, undefined, true));
    return { signingKey: d.slice(0, ByteLength.key), kxKey: d.slice(ByteLength.key, 2 * ByteLength.key) };
  }

  certificate() {
    return this.send('GET DATA', command(Cla.iso, Ins.getData, 0, DataTag.certificate, undefined, true));
  }

  async generateKeys(): Promise<{ signingKey: Uint8Array; kxKey: Uint8Array }> {
    const d = await this.send('GENERATE KEYS', command(Cla.proprietary, Ins.generateKeys, 0, 0, undefined, true));
    return { signingKey: d.slice(0, ByteLength.key), kxKey: d.slice(ByteLength.key, 2 * ByteLength.key) };
  }

  async installRoot(id: string, publicKey: Uint8Array) {
    await this.send(
      'INSTALL ROOT',
      command(Cla.proprietary, Ins.installRoot, 0, 0, concat(publicKey, new TextEncoder().encode(id))),
    );
  }

  async installCertificate(certificate: Uint8Array) {
    await this.send('INSTALL CERTIFICATE', command(Cla.proprietary, Ins.installCertificate, 0, 0, certificate));
  }

  /**
   * Replaces the purse certificate by the bank's renewal of it (src/protocol/renewal.ts), in one
   * journaled transaction; needs no PIN. Refused (CardError 6A80) with 331 for another card's keys,
   * purse or bank, 332 for a chain that does not verify, 333 for one no newer than the installed.
   */
  async renewCertificate(certificate: Uint8Array) {
    await this.send('RENEW CERTIFICATE', command(Cla.proprietary, Ins.renewCertificate, 0, 0, certificate));
  }

  /** The purse's signature over renewalMessage(purse id, nonce): the card's proof at the bank's counter (PIN verified). */
  renewalSignature(nonce: Uint8Array) {
    return this.send(
      'RENEW CERTIFICATE (request)',
      command(Cla.proprietary, Ins.renewCertificate, Param.renewalRequest, 0, nonce, true),
    );
  }

  async setPin(pin: string) {
    await this.send('SET PIN', command(Cla.proprietary, Ins.setPin, 0, 0, new TextEncoder().encode(pin)));
  }

  /** A value-token request signed by the card (COSE_Sign1); seal it to the bank with sealEnvelope. */
  loadRequest(amount: number, now: number) {
    return this.send(
      'LOAD REQUEST',
      command(Cla.proprietary, Ins.loadRequest, 0, 0, concat(u64(amount), u64(now)), true),
    );
  }

  /** The same signed request again (a reply lost to a power cut), while load `counter` is outstanding. */
  resendLoadRequest(counter: number) {
    return this.send(
      'LOAD REQUEST (again)',
      command(Cla.proprietary, Ins.loadRequest, Param.loadRequestAgain, 0, u64(counter), true),
    );
  }

  /** Loads requested and not yet credited: request counter and amount. */
  async outstandingLoads(): Promise<{ counter: number; amount: number }[]> {
    const d = await this.send('GET DATA', command(Cla.iso, Ins.getData, 0, DataTag.outstanding, undefined, true));
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const out: { counter: number; amount: number }[] = [];
    for (let at = 0; at + 16 <= d.length; at += 16)
      out.push({ counter: Number(v.getBigUint64(at)), amount: Number(v.getBigUint64(at + 8)) });
    return out;
  }

  /** Applies a sealed value token (the bank's envelope); returns the new balance. */
  async applyToken(sealedToken: Uint8Array, now: number): Promise<number> {
    const e = envelope.decode(sealedToken);
    if (e.step !== MessageType.ValueToken)
      throw new TypeError(`sealedToken: an envelope for step ${MessageType.ValueToken}, got ${e.step}`);
    const d = await this.send(
      'LOAD APPLY',
      command(Cla.proprietary, Ins.loadApply, 0, 0, concat(u64(now), e.enc, e.ciphertext), true),
    );
    return Number(new DataView(d.buffer, d.byteOffset).getBigUint64(0));
  }

  /** Pays a signed purchase slip; returns the signed check (COSE_Sign1 with the purse certificate). */
  purchase(slip: Uint8Array, now: number) {
    return this.send('PURCHASE', command(Cla.proprietary, Ins.purchase, 0, 0, concat(u64(now), slip), true));
  }

  /**
   * Answers a digital-check request (makeCheckRequest: an Internet slip and the cardholder id): the
   * card deducts and signs as the purse; the wallet adds the cardholder's signature
   * (approveInternetCheck, with `check` and `slip` from the request).
   */
  async internetCheck(request: Uint8Array, now: number): Promise<{ payload: Uint8Array; purseSignature: Uint8Array }> {
    return splitInternet(
      await this.send(
        'INTERNET CHECK',
        command(Cla.proprietary, Ins.internetCheck, 0, 0, concat(u64(now), request), true),
      ),
    );
  }

  /** The check of `serial` again, byte for byte, while its record is in the log (Internet: payload ‖ signature part). */
  reissueCheck(serial: number) {
    return this.send('REISSUE CHECK', command(Cla.proprietary, Ins.reissueCheck, 0, 0, u64(serial), true));
  }

  /**
   * Credits back the card's last purchase: `refund` is the merchant-signed Refund of it (makeRefund
   * in src/protocol/refund.ts), `now` the terminal's time for the merchant certificate's validity.
   * Needs no PIN. Returns the new balance; a refusal is a CardError (6A80 with the protocol code:
   * 318 not the last purchase, 316 already refunded, 300 another merchant, 314 another purse…;
   * 9402 when the credit would pass the certified max balance) and changes nothing.
   */
  async refund(refund: Uint8Array, now: number): Promise<number> {
    const d = await this.send('REFUND', command(Cla.proprietary, Ins.refund, 0, 0, concat(u64(now), refund), true));
    return Number(new DataView(d.buffer, d.byteOffset).getBigUint64(0));
  }

  /** Log record `index` counting back from the newest (0). */
  async readLog(index: number): Promise<LogRecord> {
    const d = await this.send('READ LOG', command(Cla.proprietary, Ins.readLog, 0, index, undefined, true));
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const kind = d[Log.kind];
    return {
      kind: kind === LogKind.purchase ? 'purchase' : kind === LogKind.refund ? 'refund' : 'load',
      channel: d[Log.channel]!,
      refunded: kind === LogKind.purchase && d[Log.refunded] === 1,
      serial: Number(v.getBigUint64(Log.serial, true)),
      amount: Number(v.getBigUint64(Log.amount, true)),
      time: Number(v.getBigUint64(Log.time, true)),
      hash: d.slice(Log.hash, Log.hash + ByteLength.hash),
      counterparty: text.decode(d.subarray(Log.id, Log.id + d[Log.idLength]!)),
      currency: text.decode(d.subarray(Log.currency, Log.currency + 3)),
    };
  }
}

/** Splits the card's Internet answer: payload length (u16 BE) ‖ payload ‖ purse COSE_Signature. */
export function splitInternet(data: Uint8Array): { payload: Uint8Array; purseSignature: Uint8Array } {
  if (data.length < 2) throw new RangeError('internet check: too short');
  const n = (data[0]! << 8) | data[1]!;
  if (data.length < 2 + n) throw new RangeError('internet check: payload truncated');
  return { payload: data.slice(2, 2 + n), purseSignature: data.slice(2 + n) };
}

export interface PersonaliseOptions extends Validity {
  bank: Party<SecretKey>;
  roots: { id: string; publicKey: Uint8Array }[];
  purseId: string;
  limits: OfflineLimits;
  pin: string;
}

/**
 * Personalisation at the bank: the card makes its keys, the bank certifies them as a purse, the
 * card takes the roots, its certificate and the PIN, and becomes active. Returns the certificate.
 */
export async function personalise(card: PurseCard, o: PersonaliseOptions): Promise<Uint8Array> {
  await card.select();
  const keys = await card.generateKeys();
  const certificate = issueCertificate(
    {
      issuer: o.bank.id,
      subject: o.purseId,
      role: Role.Purse,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      issuedAt: o.notBefore,
      serial: newSerial(),
      signingKey: keys.signingKey,
      kxKey: keys.kxKey,
      limits: o.limits,
    },
    o.bank.secretKey,
    o.bank.certificate,
  );
  for (const root of o.roots) await card.installRoot(root.id, root.publicKey);
  await card.installCertificate(certificate);
  await card.setPin(o.pin);
  return certificate;
}
