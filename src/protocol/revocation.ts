// The bank's signed revocation list: the subjects (purses, cardholders, merchants) a terminal must
// refuse offline. Terminals keep the newest list of each bank (in a scheme, every issuer's, relayed
// by their own bank) and refresh them when online. A list
// revokes only what its own bank certified: entries are qualified by the list's bank id.
import { revocationKey } from './certificate.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { type RevocationList, revocationList } from './messages.ts';
import type { Party } from './pki.ts';
import { Role } from './registry.ts';
import { type SecretKey, signMessage, type Verified, type VerifyContext, verifyMessage } from './signed.ts';

export interface RevocationListInput {
  revoked: Iterable<string>;
  issuedAt: number;
  nextUpdate: number;
  /** Increasing per bank: the higher number is the newer list. */
  listNumber: number;
}

/** Code-unit order, which for identifiers ([A-Za-z0-9._:-], ASCII) is the bytewise order. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Bank: a signed list, its subjects sorted and without duplicates. */
export function makeRevocationList(bank: Party<SecretKey>, input: RevocationListInput): Uint8Array {
  if (input.nextUpdate < input.issuedAt) throw new ProtocolError(ErrorCode.BadField, 'next update before issue');
  const revoked = [...new Set(input.revoked)].sort(byCodeUnit);
  return signMessage(
    revocationList,
    { bankId: bank.id, issuedAt: input.issuedAt, nextUpdate: input.nextUpdate, revoked, listNumber: input.listNumber },
    bank,
  );
}

/** Verifies a list: a bank's chain and signature, the bank names itself, subjects sorted and unique. */
export function verifyRevocationList(bytes: Uint8Array, context: VerifyContext): Verified<RevocationList> {
  const verified = verifyMessage(revocationList, bytes, [Role.Bank], context);
  const { body, signer } = verified;
  if (body.bankId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `list of ${body.bankId} signed by ${signer.subject}`);
  if (body.nextUpdate < body.issuedAt) throw new ProtocolError(ErrorCode.BadField, 'next update before issue');
  for (let i = 1; i < body.revoked.length; i++) {
    if (byCodeUnit(body.revoked[i - 1] as string, body.revoked[i] as string) >= 0)
      throw new ProtocolError(ErrorCode.BadField, `revoked[${i}] not sorted or duplicated`);
  }
  return verified;
}

/**
 * The list to keep: the candidate when it is newer (higher list number) than the current one of
 * the same bank, else the current one. Lists of two banks are not comparable (WrongBank).
 */
export function newerList(
  current: Verified<RevocationList> | undefined,
  candidate: Verified<RevocationList>,
): Verified<RevocationList> {
  if (!current) return candidate;
  if (current.body.bankId !== candidate.body.bankId)
    throw new ProtocolError(ErrorCode.WrongBank, `${candidate.body.bankId} list against ${current.body.bankId} list`);
  return candidate.body.listNumber > current.body.listNumber ? candidate : current;
}

/**
 * The revoked set for `ChainOptions.revoked` from verified lists: each subject qualified by its
 * list's bank (`revocationKey(list.bankId, subject)`), so one bank's list never revokes another
 * bank's subject of the same name.
 */
export function revokedSet(lists: readonly RevocationList[]): ReadonlySet<string> {
  if (lists.length === 1) return keysOf(lists[0] as RevocationList);
  let out = keysByLists.get(lists);
  if (!out) {
    const union = new Set<string>();
    for (const list of lists) for (const key of keysOf(list)) union.add(key);
    keysByLists.set(lists, union);
    out = union;
  }
  return out;
}

// A terminal checks every sale against the same list: build its set of keys once per list object
// (lists are not modified after verification), not once per check (2 ms for 10,000 entries).
// A terminal holding the lists of several issuers passes the same array until one changes.
const keysByList = new WeakMap<RevocationList, ReadonlySet<string>>();
const keysByLists = new WeakMap<readonly RevocationList[], ReadonlySet<string>>();
function keysOf(list: RevocationList): ReadonlySet<string> {
  let keys = keysByList.get(list);
  if (!keys) {
    keys = new Set(list.revoked.map((subject) => revocationKey(list.bankId, subject)));
    keysByList.set(list, keys);
  }
  return keys;
}
