// A merchant's directory, shared by `pos` and `shop`:
//   merchant.json   the merchant's own keys (made here, never sent), its certificate, the bank's
//                   certificate and roots, the bank URL, the terminal id and currency (mode 0600)
//   journal.scj     the durable journal of slips, checks, deposits (src/merchant/file-store.ts)
//   lock            the pid of the process using the directory (one writer at a time)

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64 } from '../bytes.ts';
import type { DepositReport } from '../merchant/book.ts';
import { formatMoney, toDecimal } from '../money.ts';
import type { BankLink } from '../net/bank-link.ts';
import type { Party } from '../protocol/pki.ts';
import { anchorsOf, backOfficeClient, bankClient, readJson, unb64, writeSecretJson } from './common.ts';
import { CliError, Exit, usage } from './exit.ts';

export const CONFIG_FILE = 'merchant.json';

export interface MerchantConfig {
  format: 'smartcheck-merchant/1';
  role: 'pos' | 'shop';
  merchantId: string;
  terminalId: string;
  currency: string;
  bankUrl: string;
  signingSecretKey: string;
  signingPublicKey: string;
  kxSecretKey: string;
  kxPublicKey: string;
  certificate: string;
  bankCertificate: string;
  roots: { id: string; publicKey: string }[];
  /** Offline checks are refused once the revocation list is older than this; absent (older files): the default. */
  revocationMaxAgeS?: number;
}

/**
 * Makes the merchant's keys here, has the bank certify the public halves (back office), writes
 * merchant.json and an empty journal with the bank's current revocation lists. Refuses a directory
 * that already holds a merchant.
 */
export async function initMerchantDir(
  dir: string,
  o: {
    bankUrl: string;
    tokenFile?: string;
    merchantId: string;
    terminalId: string;
    currency: string;
    role: 'pos' | 'shop';
    revocationMaxAgeS: number;
  },
) {
  const path = join(dir, CONFIG_FILE);
  if (existsSync(path))
    throw usage(
      `${path} exists: this directory already holds merchant ${readJson<MerchantConfig>(path, 'merchant file').merchantId}`,
    );
  const { ed25519, x25519 } = await import('../../bindings/index.ts');
  const bank = await backOfficeClient(o.bankUrl, o);
  const sign = ed25519.keygen();
  const kx = x25519.keygen();
  const registered = await bank.registerMerchant(o.merchantId, { signingKey: sign.publicKey, kxKey: kx.publicKey });
  // Every list the bank serves: its own and, in a scheme, the other issuers' it relays, so that a
  // new terminal takes every bank's cards at once (a list missing is a refused card).
  const lists = await bank.revocationLists();
  mkdirSync(dir, { recursive: true });
  const config: MerchantConfig = {
    format: 'smartcheck-merchant/1',
    role: o.role,
    merchantId: o.merchantId,
    terminalId: o.terminalId,
    currency: o.currency,
    bankUrl: bank.baseUrl,
    signingSecretKey: toBase64(sign.secretKey),
    signingPublicKey: toBase64(sign.publicKey),
    kxSecretKey: toBase64(kx.secretKey),
    kxPublicKey: toBase64(kx.publicKey),
    certificate: toBase64(registered.certificate),
    bankCertificate: toBase64(registered.bankCertificate),
    roots: registered.roots.map((r) => ({ id: r.id, publicKey: toBase64(r.publicKey) })),
    revocationMaxAgeS: o.revocationMaxAgeS,
  };
  writeSecretJson(path, config);
  const opened = await openMerchantDir(dir);
  try {
    for (const list of lists) await opened.book.setRevocationList(list);
  } finally {
    await opened.close();
  }
  return { config, registered };
}

/**
 * Opens the directory: takes the lock, reads merchant.json and replays the journal into a
 * MerchantBook (a journal damaged anywhere but a torn last record is refused: exit 4).
 */
export async function openMerchantDir(
  dir: string,
  o: { bankUrl?: string; depositBatchMax?: number; wrapBank?: (link: BankLink) => BankLink; readOnly?: boolean } = {},
) {
  const config = readJson<MerchantConfig>(join(dir, CONFIG_FILE), 'merchant directory (merchant.json)');
  if (config.format !== 'smartcheck-merchant/1')
    throw usage(`${join(dir, CONFIG_FILE)}: not a smartcheck merchant file`);
  const merchant: Party = {
    id: config.merchantId,
    secretKey: unb64(config.signingSecretKey, 'signingSecretKey'),
    publicKey: unb64(config.signingPublicKey, 'signingPublicKey'),
    certificate: unb64(config.certificate, 'certificate'),
    kx: { secretKey: unb64(config.kxSecretKey, 'kxSecretKey'), publicKey: unb64(config.kxPublicKey, 'kxPublicKey') },
  };
  // Read-only (status, pending): no lock, the journal parsed as it is (nothing cut, nothing
  // written), so it works beside a process that holds the directory.
  const release = o.readOnly ? () => {} : lock(dir);
  try {
    const { MerchantBook, DEFAULT_REVOCATION_MAX_AGE_S } = await import('../merchant/index.ts');
    const { FileCheckStore, parseJournal, JOURNAL_FILE } = await import('../merchant/file-store.ts');
    const store = o.readOnly ? readOnlyStore(join(dir, JOURNAL_FILE), parseJournal) : new FileCheckStore(dir);
    const bank = await bankClient(o.bankUrl ?? config.bankUrl);
    const book = await MerchantBook.open({
      merchant,
      bankCertificate: unb64(config.bankCertificate, 'bankCertificate'),
      anchors: anchorsOf(config.roots.map((r) => ({ id: r.id, publicKey: unb64(r.publicKey, 'root') }))),
      store,
      bank: o.wrapBank ? o.wrapBank(bank) : bank,
      policy: {
        currency: config.currency,
        revocationMaxAgeS: config.revocationMaxAgeS ?? DEFAULT_REVOCATION_MAX_AGE_S,
        ...(o.depositBatchMax ? { depositBatchMax: o.depositBatchMax } : {}),
      },
    });
    // A torn last record is cut off on open (an append a crash interrupted: that sale never
    // completed). Say so: if it was not a crash, it is the place to look.
    if (store instanceof FileCheckStore && store.tornBytes)
      console.error(
        `smartcheck: warning: ${store.tornBytes} torn bytes cut off the end of ${store.path} (an append interrupted by a crash)`,
      );
    return {
      config,
      book,
      store,
      bank,
      async close() {
        await store.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

function readOnlyStore(path: string, parse: typeof import('../merchant/file-store.ts').parseJournal) {
  return {
    async load() {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`no journal at ${path}`);
        throw error;
      }
      return parse(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).records;
    },
    async append(): Promise<void> {
      throw new Error('the journal is open read-only');
    },
    async close() {},
  };
}

/** One process at a time per directory: `lock` holds the owner's pid; a dead owner's lock is taken over. */
function lock(dir: string): () => void {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid))
        throw new CliError(
          Exit.failure,
          `${dir} is in use by process ${pid} (a running \`shop serve\`? use its --shop URL, or stop it)`,
        );
      unlinkSync(path);
    }
  }
  throw new CliError(Exit.failure, `${dir}: could not take the lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deposits every pending check of the directory at the bank, with a progress bar, and prints the
 * outcome per refused check (or, with `json`, the report itself: the same shape as the shop's
 * POST /v1/deposit answer). Returns the report; the caller sets exit 4 when the bank refused any.
 */
/** True when the bank refused a check or a refund of this deposit (the CLI then exits 4). */
export const bankRefusedAny = (report: Pick<DepositReport, 'refused' | 'refunds'>): boolean =>
  report.refused.length > 0 || report.refunds.some((r) => r.outcome === 'refused');

export async function depositDir(dir: string, o: { bankUrl?: string; progress?: boolean; json?: boolean }) {
  const { printJson, progress, table } = await import('./common.ts');
  const BATCH = 250;
  let bar: ReturnType<typeof progress> | undefined;
  let left = 0;
  const opened = await openMerchantDir(dir, {
    ...(o.bankUrl ? { bankUrl: o.bankUrl } : {}),
    depositBatchMax: BATCH,
    wrapBank: (link) => ({
      load: (b) => link.load(b),
      revocationList: () => link.revocationList(),
      refund: (r) => link.refund(r),
      deposit: async (b) => {
        const receipt = await link.deposit(b);
        const n = Math.min(BATCH, left);
        left -= n;
        bar?.increment(n);
        return receipt;
      },
    }),
  });
  try {
    const pending = opened.book.pending();
    left = pending.length;
    bar = progress(pending.length, 'deposit', o.progress);
    const started = performance.now();
    let report: DepositReport;
    try {
      report = await opened.book.deposit();
    } finally {
      bar.stop();
    }
    const ms = performance.now() - started;
    const deposited = report.outcomes.filter((x) => x.status === 'deposited');
    const cur = opened.config.currency;
    if (o.json) {
      printJson({ merchantId: opened.config.merchantId, currency: cur, ...report });
      return report;
    }
    console.log(
      `deposited ${deposited.length} of ${report.outcomes.length} checks in ${report.batches.length} batch${report.batches.length === 1 ? '' : 'es'}: ${formatMoney(report.credited, cur)} credited to ${opened.config.merchantId}` +
        (report.outcomes.length
          ? ` (${ms.toFixed(0)} ms, ${((ms * 1000) / report.outcomes.length).toFixed(0)} µs/check)`
          : ''),
    );
    if (report.refunds.length) {
      const n = (o: string) => report.refunds.filter((r) => r.outcome === o).length;
      const debited = report.refunds.reduce((s, r) => s + r.debited, 0);
      console.log(
        `refunds sent to the bank: ${report.refunds.length} (${n('recorded')} recorded: never credited; ${n('reversed')} reversed: ${formatMoney(debited, cur)} debited; ${n('refused')} refused)`,
      );
    }
    const refusedRefunds = report.refunds.filter((r) => r.outcome === 'refused');
    if (refusedRefunds.length) {
      const { errorDescriptions } = await import('../protocol/errors.ts');
      console.log(`refunds refused by the bank: ${refusedRefunds.length}`);
      table(
        ['purse', 'serial', 'amount', 'code', 'why'],
        refusedRefunds.map((r) => [
          r.purseId,
          r.serial,
          toDecimal(r.amount, cur),
          r.code,
          errorDescriptions[r.code as keyof typeof errorDescriptions] ?? '',
        ]),
      );
    }
    if (report.refused.length) {
      const { errorDescriptions } = await import('../protocol/errors.ts');
      console.log(`refused by the bank: ${report.refused.length}`);
      table(
        ['purse', 'serial', 'amount', 'code', 'why'],
        report.refused.map((r) => [
          r.purseId,
          r.serial,
          toDecimal(r.amount, cur),
          r.code,
          errorDescriptions[r.code as keyof typeof errorDescriptions] ?? '',
        ]),
      );
    }
    return report;
  } finally {
    await opened.close();
  }
}
