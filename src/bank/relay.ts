// Relaying the issuers' revocation lists (a scheme of several banks): an acquirer fetches the
// signed list of each peer issuer from that issuer's own route (GET /v1/revocation-list), keeps
// the newest of each as signed (table relayed_revocation_lists) and serves them with its own
// (GET /v1/revocations), so that its merchants' terminals refuse every issuer's revoked cards
// offline. The bank relays bytes it verified, never a list of its own making: a terminal checks
// each list's signature against the scheme root and cannot be handed a forged one by its bank.

import type { TrustAnchors } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { RevocationList } from '../protocol/messages.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import type { Verified } from '../protocol/signed.ts';
import { bytea, type Database, type Queryable } from './db.ts';

/** Another bank of the scheme whose list this bank relays: its id and where its API answers. */
export interface PeerBank {
  bankId: string;
  url: string;
}

/** What fetches a peer's current signed list (over HTTP in the service: src/net's BankClient). */
export type FetchList = (peer: PeerBank) => Promise<Uint8Array>;

const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/**
 * Verifies an issuer's list (its chain up to a root this bank trusts) and stores it when it is
 * newer than the one held of that issuer. Its own list is never relayed (WrongBank), nor a list
 * from another bank than `expected` when given. Returns true when it was stored.
 */
export async function relayRevocationList(
  db: Database,
  bank: { id: string; anchors: TrustAnchors },
  bytes: Uint8Array,
  o: { now: number; expected?: string },
): Promise<boolean> {
  const list: Verified<RevocationList> = verifyRevocationList(bytes, { anchors: bank.anchors, now: o.now });
  const issuer = list.body.bankId;
  if (issuer === bank.id) throw new ProtocolError(ErrorCode.WrongBank, `${bank.id} does not relay its own list`);
  if (o.expected !== undefined && issuer !== o.expected)
    throw new ProtocolError(ErrorCode.WrongBank, `list of ${issuer}, asked ${o.expected}`);
  const stored = await db.query(
    `insert into relayed_revocation_lists (issuer_id, list_number, issued_at, bytes, received_at)
     values ($1, $2, $3, $4, $5)
     on conflict (issuer_id) do update set list_number = excluded.list_number, issued_at = excluded.issued_at,
       bytes = excluded.bytes, received_at = excluded.received_at
     where relayed_revocation_lists.list_number < excluded.list_number
     returning issuer_id`,
    [issuer, list.body.listNumber, list.body.issuedAt, bytea(bytes), o.now],
  );
  return stored.length === 1;
}

/** The stored list of each issuer, as signed, by issuer id. */
export async function relayedLists(q: Queryable, issuer?: string): Promise<{ issuer: string; bytes: Uint8Array }[]> {
  const rows = await q.query<{ issuer_id: string; bytes: Uint8Array }>(
    issuer === undefined
      ? 'select issuer_id, bytes from relayed_revocation_lists order by issuer_id'
      : 'select issuer_id, bytes from relayed_revocation_lists where issuer_id = $1',
    issuer === undefined ? [] : [issuer],
  );
  return rows.map((r) => ({ issuer: r.issuer_id, bytes: u8(r.bytes) }));
}

export interface PeerRefresh {
  bankId: string;
  /** True when a newer list was stored. */
  updated?: boolean;
  /** Why not: the peer unreachable, or its list refused. The other peers are still refreshed. */
  error?: string;
}

/** Fetches each peer's current list and relays it; one peer failing does not stop the others. */
export async function refreshPeerLists(
  db: Database,
  bank: { id: string; anchors: TrustAnchors },
  peers: readonly PeerBank[],
  fetchList: FetchList,
  now: number,
): Promise<PeerRefresh[]> {
  const out: PeerRefresh[] = [];
  for (const peer of peers) {
    try {
      const bytes = await fetchList(peer);
      out.push({
        bankId: peer.bankId,
        updated: await relayRevocationList(db, bank, bytes, { now, expected: peer.bankId }),
      });
    } catch (error) {
      out.push({ bankId: peer.bankId, error: (error as Error)?.message ?? String(error) });
    }
  }
  return out;
}
