// Closing the cycles of every pair this bank settles with: for each peer bank, propose (or offer
// again) the cycle, send the offer to the peer's POST /v1/interbank/statements and complete the
// cycle with its signed answer. A peer unreachable or refusing is reported and the others still
// settle; the proposal stays and is offered again, unchanged, at the next close.
import { encodeOffer } from '../../protocol/settlement.ts';
import type { Database } from '../db.ts';
import type { Bank } from '../issuing.ts';
import type { PeerBank } from '../relay.ts';
import { completeCycle, proposeCycle } from './cycles.ts';

/** What sends an offer to a peer and returns its signed statement (src/net's BankClient in the service). */
export type SendOffer = (peer: PeerBank, offer: Uint8Array) => Promise<Uint8Array>;

/** One pair's close: the cycle agreed, nothing to settle, or why not (offered again next time). */
export interface PairClose {
  bankId: string;
  /** The cycle agreed now (or already agreed when the answer was lost and sent again). */
  cycle?: number;
  /** No unsettled presentment with this peer. */
  nothing?: boolean;
  error?: string;
}

export async function closeCycles(
  db: Database,
  bank: Bank,
  peers: readonly PeerBank[],
  send: SendOffer,
  now: number,
): Promise<PairClose[]> {
  const out: PairClose[] = [];
  for (const peer of peers) {
    try {
      const offer = await proposeCycle(db, bank, peer.bankId, now);
      if (!offer) {
        out.push({ bankId: peer.bankId, nothing: true });
        continue;
      }
      const answer = await send(peer, encodeOffer(offer));
      out.push({ bankId: peer.bankId, cycle: await completeCycle(db, bank, answer, now) });
    } catch (error) {
      out.push({ bankId: peer.bankId, error: (error as Error)?.message ?? String(error) });
    }
  }
  return out;
}
