// The guarantee at capture (docs/guarantee.md), inside the capture transaction with the purse rows
// locked: a clone's check (conflicts.ts) or a check past its purse's loaded value (credit.ts) is
// paid when the rule (src/protocol/guarantee.ts) says the terminal that took it followed the rules,
// within what the purse's certificate allowed offline. The payment is the issuer's fraud loss: one
// row per check in `guarantees` and one 'guarantee' ledger transaction per batch and currency,
// fraud_loss → merchant. The limits come from the stored purse certificate, read only on this
// path (a clone is rare), once per purse and batch.

import { toHex } from '../../bytes.ts';
import { type OfflineLimits, parseCertificate } from '../../protocol/certificate.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import {
  depositedCheckBody,
  type GuaranteePolicy,
  type GuaranteeUse,
  guaranteeRefusal,
} from '../../protocol/guarantee.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { Verified } from '../../protocol/signed.ts';
import { bytea, type Queryable } from '../db.ts';
import type { PresentedBy } from '../interbank/postings.ts';
import type { Bank } from '../issuing.ts';
import { accountId, post } from '../ledger.ts';
import type { Candidate } from './verify.ts';

/** What the guarantee needs of a locked purse row. */
export interface GuaranteedPurse {
  purse_id: string;
  revoked_at: number | null;
}

interface Paid {
  c: Candidate;
  clone: boolean;
}

export class GuaranteeBook {
  /** Per purse: what the guarantee paid so far (this batch included) and its certificate's limits. */
  readonly #used = new Map<string, GuaranteeUse & { limits: OfflineLimits | undefined }>();
  readonly #paid: Paid[] = [];

  constructor(
    private readonly tx: Queryable,
    private readonly batch: Verified<DepositBatch>,
    private readonly o: { now: number; policy: GuaranteePolicy },
  ) {}

  get policy(): GuaranteePolicy {
    return this.o.policy;
  }

  /** The signed date of the batch's check `c` (decoded only for the few checks that come here). */
  checkTime(c: Candidate): number {
    return depositedCheckBody(this.batch.body.checks[c.index] as Uint8Array).time;
  }

  /** True when this check was already paid under the guarantee (a re-deposit of it is a duplicate). */
  async alreadyPaid(c: Candidate): Promise<boolean> {
    if (this.#paid.some((p) => p.c.hashHex === c.hashHex)) return true;
    const rows = await this.tx.query("select 1 from guarantees where check_hash = decode($1, 'hex')", [c.hashHex]);
    return rows.length > 0;
  }

  /** Pays `c` under the guarantee (0), or the code that says why it is not guaranteed. */
  async decide(c: Candidate, purse: GuaranteedPurse, clone: boolean): Promise<ErrorCode | 0> {
    const use = await this.#use(purse.purse_id);
    const code = use.limits
      ? guaranteeRefusal({
          amount: c.fields.amount,
          time: this.checkTime(c),
          limits: use.limits,
          used: use,
          revokedAt: purse.revoked_at,
          now: this.o.now,
          policy: this.o.policy,
        })
      : // A purse certificate always certifies limits; one without them promises nothing offline.
        ErrorCode.GuaranteeOverCheckLimit;
    if (code !== 0) return code;
    // A check for 0 moves no money: nothing to record.
    if (c.fields.amount === 0) return 0;
    use.amount += c.fields.amount;
    use.checks += 1;
    this.#paid.push({ c, clone });
    return 0;
  }

  async #use(purseId: string) {
    const known = this.#used.get(purseId);
    if (known) return known;
    const [row] = await this.tx.query<{ certificate: Uint8Array; amount: number; checks: number }>(
      `select p.certificate, coalesce(sum(g.amount), 0)::numeric as amount, count(g.check_hash)::int as checks
         from purses p left join guarantees g on g.purse_id = p.purse_id where p.purse_id = $1 group by p.certificate`,
      [purseId],
    );
    const found = row as { certificate: Uint8Array; amount: number; checks: number };
    const use = {
      amount: found.amount,
      checks: found.checks,
      limits: parseCertificate(new Uint8Array(found.certificate)).limits,
    };
    this.#used.set(purseId, use);
    return use;
  }

  /**
   * Records the checks paid and posts the fraud loss: one transaction per currency, in currency
   * order, to the merchant, or for a presentment (`presentedBy` set) to what this bank owes its
   * acquirer, under the presentment's reference.
   */
  async post(bank: Bank, presentedBy?: PresentedBy): Promise<void> {
    if (this.#paid.length === 0) return;
    const { batch, tx } = this;
    const merchantId = batch.body.merchantId;
    const paid = this.#paid.map((p) => p.c);
    await tx.query(
      `insert into guarantees (check_hash, purse_id, serial, amount, merchant_id, batch_hash, batch_index, clone)
       select decode(h, 'hex'), p, s, a, $5, $6, i, k
         from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $7::int[], $8::boolean[]) as t(h, p, s, a, i, k)`,
      [
        paid.map((c) => c.hashHex),
        paid.map((c) => c.fields.purseId),
        paid.map((c) => c.fields.serial),
        paid.map((c) => c.fields.amount),
        merchantId,
        bytea(batch.hash),
        paid.map((c) => c.index),
        this.#paid.map((p) => p.clone),
      ],
    );
    const byCurrency = new Map<string, number>();
    for (const c of paid) byCurrency.set(c.fields.currency, (byCurrency.get(c.fields.currency) ?? 0) + c.fields.amount);
    for (const [currency, amount] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const loss = await accountId(tx, 'fraud_loss', bank.id, currency);
      const payee =
        presentedBy === undefined
          ? await accountId(tx, 'merchant', merchantId, currency)
          : await accountId(tx, 'interbank', presentedBy.acquirer, currency);
      const reference = presentedBy?.reference ?? `${merchantId}:${toHex(batch.hash)}`;
      await post(tx, 'guarantee', reference, [
        { account: loss, amount: -amount },
        { account: payee, amount },
      ]);
    }
  }
}
