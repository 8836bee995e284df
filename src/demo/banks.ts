// One bank of the demo's scheme, as a bank runs it: its own PGlite ledger (in memory), its secret
// keys in an encrypted file outside the ledger, its keys certified by the scheme root, the other
// bank as its peer (whose revocation list it relays and to which it presents that bank's cards'
// checks), its HTTP API on loopback, and the back office's credential (`smartcheck bank credential
// create`; the demo is both banks' staff too).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCredential } from '../bank/back-office/credentials.ts';
import { type Database, openDatabase } from '../bank/db.ts';
import { fileKeyStore } from '../bank/keys/file.ts';
import type { PeerBank } from '../bank/relay.ts';
import type { Scheme } from '../bank/scheme.ts';
import { buildServer } from '../bank/server.ts';
import { BankService } from '../bank/service.ts';
import { BankClient, type BankInfo } from '../net/bank-client.ts';
import { createInThreadVerifier } from '../protocol/verifier/index.ts';
import { listen } from './loopback.ts';

export interface DemoBank {
  id: string;
  db: Database;
  service: BankService;
  url: string;
  /** Its API with the staff's credential (roles operator and issuer). */
  client: BankClient;
  info: BankInfo;
}

/** Closes what was opened, last first. */
export type Closers = (() => Promise<unknown>)[];

export async function startBank(o: {
  bankId: string;
  scheme: Scheme;
  /** The other banks: their URLs may be filled in after this one opens (they are read at each use). */
  peers: PeerBank[];
  dir: string;
  closers: Closers;
}): Promise<DemoBank> {
  const db = await openDatabase('');
  o.closers.push(() => db.close());
  const keyFile = join(o.dir, `${o.bankId}.key`);
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const keys = fileKeyStore(join(o.dir, `${o.bankId}.keys`), { keyFile });
  o.closers.push(() => keys.close());
  const service = await BankService.open(db, createInThreadVerifier(), {
    bankId: o.bankId,
    keys,
    scheme: o.scheme.member(),
    peers: o.peers,
    // Each merchant's refresh fetches the peers' lists again (60 s apart by default), so that a
    // revocation reaches the other bank's terminals at their next refresh, in the demo's seconds.
    peerRefreshS: 0,
  });
  const app = await buildServer(service);
  o.closers.push(() => app.close());
  const url = await listen(app);
  const { token } = await createCredential(db, { name: 'demo staff', roles: ['operator', 'issuer'] });
  const client = new BankClient(url, { timeoutMs: 15_000, token });
  return { id: o.bankId, db, service, url, client, info: await client.bankInfo() };
}

/** The sum of every balance of a bank's ledger (0 when its books balance). */
export async function ledgerSum(db: Database): Promise<number> {
  const [row] = await db.query<{ s: number }>('select coalesce(sum(balance), 0)::numeric as s from accounts');
  return Number(row?.s ?? Number.NaN);
}

/** The sum of a bank's balances of one kind of account (all owners). */
export async function kindSum(db: Database, kind: string): Promise<number> {
  const [row] = await db.query<{ s: number }>(
    'select coalesce(sum(balance), 0)::numeric as s from accounts where kind = $1',
    [kind],
  );
  return Number(row?.s ?? Number.NaN);
}

/**
 * Waits until the acquirer's presentments are answered: it sends each one as its deposit commits,
 * not awaited, so this sends what is left and waits for a send under way. The presentments it
 * has made, and those answered.
 */
export async function presentmentsAnswered(acquirer: DemoBank): Promise<{ made: number; answered: number }> {
  await acquirer.service.sendPresentments();
  const [row] = await acquirer.db.query<{ made: number; answered: number }>(
    'select count(*)::int as made, count(answer)::int as answered from presentments',
  );
  return { made: Number(row?.made ?? 0), answered: Number(row?.answered ?? 0) };
}
