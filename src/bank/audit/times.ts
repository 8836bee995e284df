// Timestamps: no row is dated before its bank was created or after now (the database clock, with
// a minute's leeway for a second bank server). The protocol times inside signed objects are the
// parties' clocks and are checked by the families that verify them.
import { toHex } from '../../bytes.ts';
import type { Queryable } from '../db.ts';
import { type AuditContext, u8 } from './context.ts';

const TABLES: { table: string; key: string }[] = [
  { table: 'accounts', key: "kind || '/' || owner || '/' || currency" },
  { table: 'transactions', key: 'id::text' },
  { table: 'loads', key: 'request_hash' },
  { table: 'batches', key: 'batch_hash' },
  { table: 'fraud_evidence', key: 'check_hash' },
  { table: 'refunds', key: 'refund_hash' },
  { table: 'merchants', key: 'merchant_id' },
  { table: 'cardholders', key: 'cardholder_id' },
  { table: 'bank_key_generations', key: "bank_id || '/' || generation" },
  { table: 'settlement_cycles', key: "counterparty || '/' || cycle" },
];

export async function auditTimes(ctx: AuditContext, q: Queryable): Promise<void> {
  for (const { table, key } of TABLES) {
    const rows = await q.query<{ k: string | Uint8Array; created_at: Date; future: boolean }>(
      `select ${key} as k, created_at, created_at > clock_timestamp() + interval '1 minute' as future from ${table}
        where created_at < (select created_at from bank_keys where bank_id = $1) or created_at > clock_timestamp() + interval '1 minute' order by 1`,
      [ctx.bank.id],
    );
    for (const r of rows)
      ctx.add(
        'timestamp_out_of_range',
        table,
        typeof r.k === 'string' ? r.k : toHex(u8(r.k)),
        `created_at ${new Date(r.created_at).toISOString()} is ${r.future ? 'in the future' : 'before the bank was created'}`,
      );
  }
}
