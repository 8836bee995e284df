// The interbank network of the simulated scheme: what the banks' HTTP routes carry between them
// (presentments and their answers, settlement offers and statements, revocation lists), in
// process, to a PRNG-picked process of the receiving bank, with the faults the seed decides: the
// peer unreachable, its reply lost after it did the work, a presentment, an answer, an offer or a
// statement with one byte flipped. Every interbank call the simulator makes goes through here and
// is traced; a failure must be the network's or a typed refusal (a ProtocolError), never anything else.
import type { PairClose } from '../../src/bank/interbank/exchange.ts';
import type { PresentmentSent } from '../../src/bank/interbank/send.ts';
import type { PeerRefresh } from '../../src/bank/relay.ts';
import { BankUnreachableError } from '../../src/net/bank-link.ts';
import { errorDescriptions } from '../../src/protocol/errors.ts';
import { checkSchemePositions } from '../../src/protocol/settlement-scheme.ts';
import type { BankProcess, InterbankRoutes, SimBank } from './bank.ts';
import { codeOf } from './bank.ts';
import { InvariantViolation } from './checkers.ts';
import { type Faults, flipByte } from './faults.ts';
import type { Prng } from './prng.ts';
import type { Trace } from './trace.ts';

const UNREACHABLE = 'bank unreachable at sim:';

export class Interbank implements InterbankRoutes {
  /** The scheme's banks by id (set once the world has built them). */
  banks = new Map<string, SimBank>();

  constructor(
    private readonly prng: Prng,
    private readonly faults: Faults,
    private readonly trace: Trace,
    private readonly op: () => number,
  ) {}

  private process(bankId: string): BankProcess {
    const bank = this.banks.get(bankId);
    if (!bank) throw new Error(`no bank ${bankId} in the scheme`);
    return this.prng.pick(bank.processes);
  }

  private unreachable(to: string, why: string): BankUnreachableError {
    return new BankUnreachableError(`sim:${to}`, new Error(why));
  }

  async present(from: string, issuerId: string, envelope: Uint8Array): Promise<Uint8Array> {
    if (this.faults.strike('peer-unreachable')) throw this.unreachable(issuerId, 'issuer unreachable');
    const p = this.process(issuerId);
    const tampered = this.faults.strike('tamper-presentment');
    const r = await this.receive(`${from}→${issuerId} ${p.name} presentment${tampered ? ' (tampered)' : ''}`, () =>
      p.service.answerPresentment(tampered ? flipByte(this.prng, envelope) : envelope),
    );
    this.trace.add(this.op(), `interbank ${from}→${issuerId} ${p.name} answered${r.replayed ? ' (again)' : ''}`);
    if (this.faults.strike('lost-interbank-reply')) throw this.unreachable(issuerId, 'answer lost');
    return this.faults.strike('tamper-answer') ? flipByte(this.prng, r.answer) : r.answer;
  }

  async offer(from: string, peerId: string, offer: Uint8Array): Promise<Uint8Array> {
    if (this.faults.strike('peer-unreachable')) throw this.unreachable(peerId, 'peer unreachable');
    const p = this.process(peerId);
    const tamper = this.faults.strike('tamper-statement') ? this.prng.pick(['offer', 'statement'] as const) : undefined;
    const statement = await this.receive(
      `${from}→${peerId} ${p.name} offer${tamper === 'offer' ? ' (tampered)' : ''}`,
      () => p.service.acceptStatementOffer(tamper === 'offer' ? flipByte(this.prng, offer) : offer),
    );
    if (this.faults.strike('lost-interbank-reply')) throw this.unreachable(peerId, 'statement lost');
    return tamper === 'statement' ? flipByte(this.prng, statement) : statement;
  }

  async list(from: string, peerId: string): Promise<Uint8Array> {
    if (this.faults.strike('peer-unreachable')) throw this.unreachable(peerId, `list not fetched by ${from}`);
    return this.process(peerId).service.revocationList();
  }

  /** A call handled by the receiving bank: a refusal must be typed (its code traced), else the run fails. */
  private async receive<T>(what: string, handle: () => Promise<T>): Promise<T> {
    try {
      return await handle();
    } catch (error) {
      this.trace.add(this.op(), `interbank ${what} refused ${codeOf(error)}`);
      throw error;
    }
  }

  /** `bank`'s outbox sent by process `p`; each presentment answered, or kept with a typed reason. */
  async send(bank: SimBank, p: BankProcess): Promise<PresentmentSent[]> {
    const sent = await p.service.sendOutbox();
    if (sent.length)
      this.trace.add(
        this.op(),
        `${bank.id} ${p.name} sent ${sent.length} presentments: ${sent.map((s) => `${s.issuerId} ${s.answered ? 'answered' : failure(s.error)}`).join(', ')}`,
      );
    return sent;
  }

  /** `x` closes its settlement cycle with `y`: agreed (both statements then net to 0), nothing to settle, or a typed reason. */
  async settle(x: SimBank, y: SimBank): Promise<PairClose> {
    const p = this.prng.pick(x.processes);
    const r = await p.service.settleWith(y.id);
    this.trace.add(
      this.op(),
      `settle ${x.id} ${p.name}→${y.id}: ${r.cycle !== undefined ? `cycle ${r.cycle} agreed` : r.nothing ? 'nothing' : failure(r.error)}`,
    );
    if (r.cycle !== undefined) await agreedRound(x, y.id, r.cycle);
    return r;
  }

  /** `bank`'s process `p` fetches its peers' lists and relays the newer ones. */
  async refresh(bank: SimBank, p: BankProcess): Promise<PeerRefresh[]> {
    const r = await p.service.refreshPeerLists();
    this.trace.add(
      this.op(),
      `${bank.id} ${p.name} peer lists: ${r.map((x) => `${x.bankId} ${x.error !== undefined ? failure(x.error) : x.updated ? 'newer' : 'same'}`).join(', ')}`,
    );
    return r;
  }
}

/**
 * A failure as the trace names it: the network's (`unreachable`) or a typed refusal's code (a
 * ProtocolError's message starts with its code's description). Anything else is a bug the run reports.
 */
export function failure(message: string | undefined): string {
  if (message?.startsWith(UNREACHABLE)) return 'unreachable';
  let code: string | undefined;
  let length = 0;
  for (const [c, d] of Object.entries(errorDescriptions))
    if (message?.startsWith(d) && d.length > length) [code, length] = [c, d.length];
  if (code === undefined) throw new InvariantViolation(`an interbank call failed with no typed error: ${message}`);
  return code;
}

/** The round just agreed between `x` and `peerId`: both statements mirror each other and net to 0 (checkSchemePositions). */
async function agreedRound(x: SimBank, peerId: string, cycle: number): Promise<void> {
  const [row] = await x.db.query<{ statement: Uint8Array; peer_statement: Uint8Array }>(
    "select statement, peer_statement from settlement_cycles where counterparty = $1 and cycle = $2 and status = 'agreed'",
    [peerId, cycle],
  );
  if (!row) throw new InvariantViolation(`${x.id}: cycle ${cycle} with ${peerId} reported agreed, not stored`);
  try {
    checkSchemePositions([new Uint8Array(row.statement), new Uint8Array(row.peer_statement)], {
      anchors: x.service.bank.anchors,
      now: x.clock.now,
    });
  } catch (error) {
    throw new InvariantViolation(`${x.id}–${peerId} cycle ${cycle}: ${codeOf(error)} ${(error as Error).message}`);
  }
}
