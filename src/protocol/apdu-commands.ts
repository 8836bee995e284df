// The purse applet's command table: for each command its header, data, answer, the state it needs,
// what it writes to EEPROM and its status words. docs/apdu.md, the specification a card
// implementer works from, is generated from it (scripts/gen-wire.ts); the codes are those of
// purse-apdu.ts, which the applet's constants are generated from, and test/card/apdu-table.test.ts
// sends each command to the applet and checks the table's headers and states against it.
import { Cla, Ins, Param, SW } from './purse-apdu.ts';

export interface CommandSpec {
  name: string;
  cla: number;
  ins: number;
  /** P1 and P2 as a byte, or words for a parameter (the READ LOG record number). */
  p1: number;
  p2: number | string;
  /** The command data, field by field (integers big-endian), or '–'. */
  data: string;
  /** The response data on 9000, or '–'. */
  response: string;
  /** The state the card must be in (after SELECT, always). */
  needs: string;
  /** What the command writes to EEPROM, and how (journaled: all or nothing across a power cut). */
  writes: string;
  /** The status words this command answers besides 9000 and those of every command. */
  sw: readonly (readonly [number, string])[];
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const TIME = "time u64 (the terminal's or wallet's clock, Unix seconds: the card has none)";
/** Protocol refusals: 6A80 with the error code (src/protocol/errors.ts, docs/errors.md) in GET DATA C4. */
const WRONG_DATA = [SW.wrongData, 'a protocol check failed: the code is in GET DATA C4 (docs/errors.md)'] as const;
const PIN_GATE = [
  [SW.conditionsNotSatisfied, 'the card is not active'],
  [SW.blocked, 'the PIN is blocked'],
  [SW.securityNotSatisfied, 'the PIN is not verified in this session'],
] as const;
const JOURNAL = 'one journaled transaction';

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'SELECT',
    cla: Cla.iso,
    ins: Ins.select,
    p1: Param.selectByName,
    p2: `${hex2(Param.selectFci)}/${hex2(Param.selectNoData)}`,
    data: 'the AID',
    response: 'P2 00: the FCI, 6F 09 84 07 ‖ AID; P2 0C: –',
    needs: '– (any state; forgets the PIN verification)',
    writes: 'nothing',
    sw: [
      [SW.applicationNotFound, 'another AID'],
      [SW.wrongP1P2, 'P1 other than 04, P2 other than 00 or 0C'],
    ],
  },
  {
    name: 'GET RESPONSE',
    cla: Cla.iso,
    ins: Ins.getResponse,
    p1: 0,
    p2: 0,
    data: '–',
    response: 'the next Ne bytes of the last response (61xx again while more remain)',
    needs: 'the previous command answered 61xx (works before SELECT too)',
    writes: 'nothing',
    sw: [[SW.conditionsNotSatisfied, 'nothing left to read (any other command drops the rest)']],
  },
  {
    name: 'VERIFY',
    cla: Cla.iso,
    ins: Ins.verify,
    p1: 0,
    p2: Param.pin,
    data: 'the PIN, 4–8 ASCII digits; none: ask whether it is verified',
    response: '–',
    needs: 'active',
    writes: 'the retry counter, decremented before the comparison (a power cut costs a try), reset to 3 on success',
    sw: [
      [SW.pinTries, '63Cx: wrong PIN, x tries left (no data: not verified yet, x tries left)'],
      [SW.blocked, 'no tries left'],
      [SW.conditionsNotSatisfied, 'the card is not active'],
    ],
  },
  {
    name: 'RESET RETRY COUNTER',
    cla: Cla.iso,
    ins: Ins.resetRetryCounter,
    p1: 0,
    p2: Param.pin,
    data: 'counter u64 ‖ the bank\'s Ed25519 signature (64) over "smartcheck/1/unblock" ‖ purse id ‖ counter [‖ a new PIN, 4–8 digits]',
    response: '–',
    needs: 'active (blocked or not)',
    writes: `${JOURNAL}: the unblock counter, the tries (3), the PIN hash when a new PIN is given`,
    sw: [
      [SW.wrongData, 'the counter is not above the last one used, or the signature does not verify (C4: 200)'],
      [SW.conditionsNotSatisfied, 'the card is not active'],
    ],
  },
  {
    name: 'GET DATA',
    cla: Cla.iso,
    ins: Ins.getData,
    p1: 0,
    p2: 'tag',
    data: '–',
    response: `C1 status (GET DATA C1 below); C2 Ed25519 ‖ X25519 public keys (64); C3 the purse certificate (with its bank's inside); C4 the last refusal's error code u16; C5 the purse id; C6 outstanding loads, counter u64 ‖ amount u64 each`,
    needs: 'C2: keys generated; C3, C5: certificate installed; C6: active',
    writes: 'nothing',
    sw: [
      [SW.notFound, 'an unknown tag, or the object does not exist yet'],
      [SW.conditionsNotSatisfied, 'C6 before the card is active'],
    ],
  },
  {
    name: 'GENERATE KEYS',
    cla: Cla.proprietary,
    ins: Ins.generateKeys,
    p1: 0,
    p2: 0,
    data: '–',
    response: 'Ed25519 public key (32) ‖ X25519 public key (32)',
    needs: 'blank',
    writes: `${JOURNAL}: both key pairs (made on the card, never read out), life cycle → keys generated`,
    sw: [[SW.conditionsNotSatisfied, 'not blank']],
  },
  {
    name: 'INSTALL ROOT',
    cla: Cla.proprietary,
    ins: Ins.installRoot,
    p1: 0,
    p2: 0,
    data: 'root Ed25519 key (32) ‖ root id (1–64 bytes)',
    response: '–',
    needs: 'keys generated or certificate installed',
    writes: `${JOURNAL}: one root record, the root count (at most 4)`,
    sw: [
      [SW.conditionsNotSatisfied, 'blank or active'],
      [SW.wrongData, 'that root id is installed already'],
      [SW.fileFull, '4 roots installed'],
    ],
  },
  {
    name: 'INSTALL CERTIFICATE',
    cla: Cla.proprietary,
    ins: Ins.installCertificate,
    p1: 0,
    p2: 0,
    data: 'the purse certificate, a CWT in COSE_Sign1 carrying its bank certificate (≤ 1024 bytes)',
    response: '–',
    needs: 'keys generated',
    writes: `${JOURNAL}: the bank key, purse and bank ids, currency and limits taken from it, the certificate, life cycle → certificate installed`,
    sw: [
      [SW.conditionsNotSatisfied, 'not in the keys-generated state'],
      [
        SW.wrongData,
        "the chain does not verify to an installed root, does not certify this card's keys as a purse, or carries no limits (C4)",
      ],
    ],
  },
  {
    name: 'SET PIN',
    cla: Cla.proprietary,
    ins: Ins.setPin,
    p1: 0,
    p2: 0,
    data: 'the PIN, 4–8 ASCII digits',
    response: '–',
    needs: 'certificate installed',
    writes: `${JOURNAL}: the PIN hash (SHA-256), tries 3, life cycle → active`,
    sw: [
      [SW.conditionsNotSatisfied, 'not in the certificate-installed state'],
      [SW.wrongData, 'not digits'],
    ],
  },
  {
    name: 'LOAD REQUEST',
    cla: Cla.proprietary,
    ins: Ins.loadRequest,
    p1: 0,
    p2: 0,
    data: `amount u64 ‖ ${TIME}`,
    response: 'the signed value-token request (COSE_Sign1, type 1), to seal to the bank',
    needs: 'PIN verified',
    writes: `${JOURNAL}: a new outstanding load (nonce, counter, amount, time), the load counter`,
    sw: [
      ...PIN_GATE,
      [SW.limitExceeded, 'balance + outstanding loads + amount above the certified max balance (C4: 305)'],
      [SW.fileFull, '8 loads outstanding already (C4: 305)'],
      WRONG_DATA,
    ],
  },
  {
    name: 'LOAD REQUEST again',
    cla: Cla.proprietary,
    ins: Ins.loadRequest,
    p1: Param.loadRequestAgain,
    p2: 0,
    data: 'request counter u64',
    response: 'the same signed request, byte for byte',
    needs: 'PIN verified',
    writes: 'nothing',
    sw: [...PIN_GATE, [SW.notFound, 'no outstanding load with that counter (C4: 303)']],
  },
  {
    name: 'LOAD APPLY',
    cla: Cla.proprietary,
    ins: Ins.loadApply,
    p1: 0,
    p2: 0,
    data: `${TIME} ‖ HPKE enc (32) ‖ ciphertext: the bank's sealed value token (type 2)`,
    response: 'the new balance u64',
    needs: 'PIN verified',
    writes: `${JOURNAL}: balance, loaded total, the outstanding load cleared, the token id remembered, a load log record, offline counters reset`,
    sw: [
      ...PIN_GATE,
      [SW.notFound, 'the token answers no outstanding nonce (C4: 303)'],
      [SW.limitExceeded, 'a total would overflow (C4: 109)'],
      WRONG_DATA,
    ],
  },
  {
    name: 'PURCHASE',
    cla: Cla.proprietary,
    ins: Ins.purchase,
    p1: 0,
    p2: 0,
    data: `${TIME} ‖ the merchant-signed purchase slip (COSE_Sign1, type 3, with the merchant's certificate chain)`,
    response: 'the signed digital check (COSE_Sign1, type 4)',
    needs: 'PIN verified',
    writes: `${JOURNAL}, committed before signing: balance, serial, spent total, offline counters, a purchase log record`,
    sw: [
      ...PIN_GATE,
      [SW.insufficientFunds, 'balance below the amount (C4: 306)'],
      [SW.limitExceeded, 'per-check, offline count or offline amount limit (C4: 305)'],
      WRONG_DATA,
    ],
  },
  {
    name: 'INTERNET CHECK',
    cla: Cla.proprietary,
    ins: Ins.internetCheck,
    p1: 0,
    p2: 0,
    data: `${TIME} ‖ the shop's digital-check request (type 5, its slip for channel 1)`,
    response: "payload length u16 ‖ the check payload ‖ the purse's COSE_Signature (the cardholder adds the second)",
    needs: 'PIN verified',
    writes: `${JOURNAL}: as PURCHASE, channel 1`,
    sw: [
      ...PIN_GATE,
      [SW.insufficientFunds, 'balance below the amount (C4: 306)'],
      [SW.limitExceeded, 'a limit (C4: 305)'],
      WRONG_DATA,
    ],
  },
  {
    name: 'REFUND',
    cla: Cla.proprietary,
    ins: Ins.refund,
    p1: 0,
    p2: 0,
    data: `${TIME} ‖ the merchant-signed refund (type 10) of the card's last purchase`,
    response: 'the new balance u64',
    needs: 'active (no PIN)',
    writes: `${JOURNAL}: the purchase record marked refunded, a refund log record, balance, spent and refunded totals`,
    sw: [
      [SW.conditionsNotSatisfied, 'the card is not active'],
      [SW.limitExceeded, 'the credit would pass the max balance with the outstanding loads (C4: 305)'],
      [SW.wrongData, 'not the last purchase (318), refunded already (316), another merchant (300) … (C4)'],
    ],
  },
  {
    name: 'RENEW CERTIFICATE',
    cla: Cla.proprietary,
    ins: Ins.renewCertificate,
    p1: 0,
    p2: 0,
    data: "the bank's renewal of the purse certificate, a CWT in COSE_Sign1 carrying its bank certificate (≤ 1024 bytes)",
    response: '–',
    needs: 'active (no PIN: the bank signed it for this card)',
    writes: `${JOURNAL}: the certificate, and the bank key, ids, currency and limits taken from it (balance, serial, log untouched)`,
    sw: [
      [SW.conditionsNotSatisfied, 'the card is not active'],
      [
        SW.wrongData,
        'the chain does not verify to an installed root (332), certifies another key, purse or bank (331), another currency (304), or expires no later than the installed one (333) (C4)',
      ],
    ],
  },
  {
    name: 'RENEW CERTIFICATE request',
    cla: Cla.proprietary,
    ins: Ins.renewCertificate,
    p1: Param.renewalRequest,
    p2: 0,
    data: "the bank's renewal nonce (16)",
    response: 'the purse\'s Ed25519 signature (64) over "smartcheck/1/renewal" ‖ purse id ‖ nonce',
    needs: 'PIN verified',
    writes: 'nothing',
    sw: [...PIN_GATE],
  },
  {
    name: 'READ LOG',
    cla: Cla.proprietary,
    ins: Ins.readLog,
    p1: 0,
    p2: 'n',
    data: '–',
    response: 'record n back from the newest (0: newest), 128 bytes (Log record below)',
    needs: 'PIN verified',
    writes: 'nothing',
    sw: [...PIN_GATE, [SW.notFound, 'no such record (the card keeps 16)']],
  },
  {
    name: 'REISSUE CHECK',
    cla: Cla.proprietary,
    ins: Ins.reissueCheck,
    p1: 0,
    p2: 0,
    data: 'serial u64',
    response: 'the same signed check again, byte for byte (POS or Internet form, from the log record)',
    needs: 'PIN verified',
    writes: 'nothing',
    sw: [...PIN_GATE, [SW.notFound, 'no check with that serial among the last 16 records (C4: 318)']],
  },
];

/** The status words any command may answer. */
export const COMMON_SW: readonly (readonly [number, string])[] = [
  [SW.ok, 'done'],
  [SW.bytesRemaining, '61xx: done, xx more response bytes (00: 256 or more) to read with GET RESPONSE'],
  [SW.wrongLength, 'Lc, Le or the data length is wrong for the command'],
  [SW.lastCommandExpected, 'a chained command was interrupted by another command (the chain is dropped)'],
  [SW.wrongP1P2, 'P1 or P2 not allowed'],
  [SW.conditionsNotSatisfied, 'before SELECT, or the wrong life-cycle state'],
  [SW.insNotSupported, 'unknown INS'],
  [SW.claNotSupported, 'CLA other than 00 / 80 (with b5 for chaining), or an INS under the other class'],
];
