// `smartcheck pos …`: an offline point-of-sale terminal in a directory (merchant-dir.ts): init,
// sell to a card file, deposit, refresh the revocation list, cancel the last sale, recover after
// a torn sale, status and pending checks.

import type { Command } from 'commander';
import { toHex } from '../bytes.ts';
import { DEFAULT_REVOCATION_MAX_AGE_S } from '../merchant/policy.ts';
import type { Sale } from '../merchant/terminal.ts';
import { formatMoney, toDecimal } from '../money.ts';
import {
  amount,
  bankOption,
  type CardSource,
  currencyArg,
  durationArg,
  emit,
  fields,
  helpText,
  idArg,
  int,
  jsonOption,
  openCard,
  openPurse,
  progress,
  table,
  tokenOption,
  when,
} from './common.ts';
import { Exit, usage } from './exit.ts';
import { bankRefusedAny, depositDir, initMerchantDir, openMerchantDir } from './merchant-dir.ts';
import { PIN_SOURCES, type PinOptions, pinOptions, resolvePin } from './pin.ts';

const dirArg = (cmd: Command) => cmd.argument('<dir>', 'the terminal directory (merchant.json, journal.scj)');

export function posCommands(program: Command): void {
  const pos = program
    .command('pos')
    .description('an offline point-of-sale terminal: init, sell, deposit, refresh, cancel, recover, status, pending');
  helpText(
    pos,
    `
A terminal directory holds the merchant's keys and certificate (merchant.json) and the durable
journal of every slip, check and deposit (journal.scj). Sales work offline; deposit and refresh
need the bank.

Example:
  smartcheck pos init till-1 --merchant cafe --bank http://127.0.0.1:8700
  smartcheck pos sell till-1 450 --card alice.card --pin 1234
  smartcheck pos deposit till-1`,
  );

  helpText(
    tokenOption(
      bankOption(
        dirArg(
          pos
            .command('init')
            .description(
              "make the merchant's keys here, have the bank certify them (back office, role issuer), fetch the revocation list",
            ),
        )
          .requiredOption('--merchant <id>', 'merchant id (unique at the bank)', idArg('merchant'))
          .option('--terminal <id>', 'terminal id printed on slips', idArg('terminal'), 'T-1')
          .option('--currency <code>', 'currency of the slips', currencyArg, 'EUR')
          .option(
            '--revocation-max-age <duration>',
            'refuse offline sales once the revocation list is older than this (refresh: pos refresh)',
            durationArg('revocation-max-age'),
            DEFAULT_REVOCATION_MAX_AGE_S,
          ),
      ),
    ).action(
      async (
        dir: string,
        o: {
          merchant: string;
          terminal: string;
          currency: string;
          bank: string;
          tokenFile?: string;
          revocationMaxAge: number;
        },
      ) => {
        const { config } = await initMerchantDir(dir, {
          bankUrl: o.bank,
          ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}),
          merchantId: o.merchant,
          terminalId: o.terminal,
          currency: o.currency,
          role: 'pos',
          revocationMaxAgeS: o.revocationMaxAge,
        });
        console.log(
          `terminal ${config.terminalId} of merchant ${config.merchantId} in ${dir}: certified by the bank at ${config.bankUrl}, ${config.currency}`,
        );
      },
    ),
    `
Writes: <dir>/merchant.json (secret keys, mode 0600), <dir>/journal.scj. Refuses a directory that
already holds a merchant. Offline sales stop once the revocation list is older than
--revocation-max-age (default 24h): \`smartcheck pos refresh <dir>\` fetches a new one.

Example:
  smartcheck pos init till-1 --merchant cafe --terminal T-1 --currency EUR`,
  );

  helpText(
    pinOptions(
      dirArg(
        pos
          .command('sell')
          .description(
            'sell to a card: slip signed by the merchant, check signed by the card, verified offline and journalled before it returns',
          ),
      ).argument('<amount>', 'minor units (cents)', amount),
      "the card's PIN",
    )
      .option('--card <file>', 'the card file')
      .option('--reader <name>', 'or: the PC/SC reader holding the card (pcscd), e.g. "Virtual PCD 00 00"')
      .option('--count <n>', 'make this many sales of <amount> (load generation)', int('count', 1, 1_000_000), 1)
      .option('--progress', 'show a progress bar even when stderr is not a terminal')
      .action(
        async (dir: string, value: number, o: PinOptions & CardSource & { count: number; progress?: boolean }) => {
          const card = await openPurse(o);
          await card.verifyPin(await resolvePin(o));
          const opened = await openMerchantDir(dir);
          try {
            const { Terminal } = await import('../merchant/terminal.ts');
            const terminal = new Terminal(opened.book, { terminalId: opened.config.terminalId });
            const bar = o.count > 1 ? progress(o.count, 'sell', o.progress) : undefined;
            const started = performance.now();
            let made = 0;
            let last: Sale | undefined;
            try {
              for (; made < o.count; made++) {
                last = await terminal.sell(card, value);
                bar?.increment();
              }
            } catch (error) {
              if (made > 0) console.log(`${made} of ${o.count} sales made before the refusal below`);
              throw error;
            } finally {
              bar?.stop();
            }
            const ms = performance.now() - started;
            const s = last!;
            if (o.count === 1)
              console.log(
                `sold ${formatMoney(s.amount, s.currency)} to ${s.purseId}: check #${s.serial} stored (tx ${s.terminalTxId}, ${toHex(s.checkHash).slice(0, 16)}…)`,
              );
            else
              console.log(
                `sold ${o.count} × ${formatMoney(value, s.currency)} to ${s.purseId} (checks up to #${s.serial}) in ${ms.toFixed(0)} ms: ${((ms * 1000) / o.count).toFixed(0)} µs/sale`,
              );
            console.log(
              `card balance ${formatMoney((await card.status()).balance, s.currency)}; ${opened.book.pending().length} checks pending (${formatMoney(opened.book.pendingAmount(), s.currency)})`,
            );
          } finally {
            await opened.close();
          }
        },
      ),
    `
Reads/writes: --card <file> (or the card in the PC/SC reader --reader), <dir>/journal.scj. Works
offline. A card refusal (wrong PIN, insufficient funds, limits: exit 3) or a refused card
(revoked, expired: exit 4) charges nothing; a card pulled mid-sale is recovered by pos recover.
${PIN_SOURCES}

Example:
  smartcheck pos sell till-1 450 --card alice.card --pin 1234
  smartcheck pos sell till-1 450 --reader "Virtual PCD 00 00" --pin 1234
  smartcheck pos sell till-1 10 --count 500 --card alice.card --pin 1234 --progress`,
  );

  helpText(
    jsonOption(
      dirArg(
        pos
          .command('deposit')
          .description(
            "deposit the cancelled sales' refunds, then every pending check at the bank (protocol 5); a lost reply is retried with the same batch",
          ),
      ),
    )
      .option('--bank <url>', 'override the bank URL stored at init')
      .option('--progress', 'show a progress bar even when stderr is not a terminal')
      .action(async (dir: string, o: { bank?: string; progress?: boolean; json?: boolean }) => {
        const report = await depositDir(dir, {
          ...(o.bank ? { bankUrl: o.bank } : {}),
          progress: o.progress ?? false,
          json: o.json ?? false,
        });
        if (bankRefusedAny(report)) process.exitCode = Exit.refused;
      }),
    `
Reads/writes: <dir>/journal.scj. First sends the refunds of the sales cancelled since the last
deposit (pos cancel): the bank then never credits those checks (or reverses one it credited);
each refund is sent until the bank answers it. Exit 4 when the bank refused any check or refund
(listed with its code); the others are credited. --bank overrides the URL stored at init.

Example:
  smartcheck pos deposit till-1 --progress`,
  );

  helpText(
    dirArg(
      pos
        .command('refresh')
        .description(
          "fetch the bank's signed revocation list (in a scheme, the other issuers' it relays too); the terminal refuses listed cards offline",
        ),
    )
      .option('--bank <url>', 'override the bank URL stored at init')
      .action(async (dir: string, o: { bank?: string }) => {
        const opened = await openMerchantDir(dir, o.bank ? { bankUrl: o.bank } : {});
        try {
          const newer = await opened.book.refreshRevocationList();
          const list = opened.book.revocationList?.body;
          console.log(
            `revocation list ${list?.listNumber} of ${list?.bankId}${newer ? '' : ' (already held)'}: ${list?.revoked.length ?? 0} revoked, issued ${list ? when(list.issuedAt) : '-'}`,
          );
          // In a scheme: each other issuer's list, as its issuer signed it and the bank relayed it.
          for (const { body } of opened.book.revocationLists.filter((l) => l.body.bankId !== list?.bankId))
            console.log(
              `revocation list ${body.listNumber} of ${body.bankId} (relayed): ${body.revoked.length} revoked, issued ${when(body.issuedAt)}`,
            );
        } finally {
          await opened.close();
        }
      }),
    `Reads/writes: <dir>/journal.scj.\n\nExample:\n  smartcheck pos refresh till-1`,
  );

  helpText(
    dirArg(
      pos
        .command('cancel')
        .description(
          "cancel this terminal's last sale: a merchant-signed refund credits the card, the check is voided (never deposited); the refund goes to the bank with the next deposit",
        ),
    )
      .requiredOption('--card <file>', 'the card the sale was made with')
      .action(async (dir: string, o: { card: string }) => {
        const card = await openCard(o.card);
        const opened = await openMerchantDir(dir);
        try {
          const { Terminal } = await import('../merchant/terminal.ts');
          const c = await new Terminal(opened.book, { terminalId: opened.config.terminalId }).cancelLast(card);
          console.log(
            `cancelled the last sale: ${formatMoney(c.amount, opened.config.currency)} back on the card${c.balance !== undefined ? ` (balance ${formatMoney(c.balance, opened.config.currency)})` : ''}; check ${toHex(c.checkHash).slice(0, 16)}… voided`,
          );
        } finally {
          await opened.close();
        }
      }),
    `
Reads/writes: --card <file>, <dir>/journal.scj. Needs no PIN. Refused (exit 4) when the last sale
is already deposited or cancelled.

Example:
  smartcheck pos cancel till-1 --card alice.card`,
  );

  helpText(
    pinOptions(
      dirArg(
        pos
          .command('recover')
          .description(
            "after a torn sale (crash, card pulled): find the interrupted slip in the card's log and store its check, or learn the card was not charged",
          ),
      )
        .option('--card <file>', 'the card of the interrupted sale (needed when one is interrupted)')
        .option('--reader <name>', 'or: the PC/SC reader holding that card (pcscd)'),
      "the card's PIN (the card shows its log and reissues a check only after it)",
    ).action(async (dir: string, o: PinOptions & CardSource) => {
      const opened = await openMerchantDir(dir);
      try {
        const { Terminal } = await import('../merchant/terminal.ts');
        const terminal = new Terminal(opened.book, { terminalId: opened.config.terminalId });
        const open = terminal.interrupted();
        if (open.length && !o.card && !o.reader)
          throw usage(
            `${open.length} interrupted sale(s) with purse ${open[0]?.record.purseId}: present the card with --card and --pin`,
          );
        const noCard = { certificate: () => Promise.reject(new Error('no card')) } as unknown as Parameters<
          typeof terminal.recover
        >[0];
        let card = noCard;
        if (open.length) {
          const purse = await openPurse(o);
          await purse.verifyPin(await resolvePin(o));
          card = purse;
        }
        const r = await terminal.recover(card);
        const tx = r.terminalTxId !== undefined ? `transaction ${r.terminalTxId}` : 'no transaction yet';
        console.log(
          `last ${tx}: ${r.status}${r.sale ? ` (check #${r.sale.serial} of ${r.sale.purseId}, ${formatMoney(r.sale.amount, r.sale.currency)} stored)` : ''}`,
        );
        for (const other of r.others) console.log(`  earlier transaction ${other.terminalTxId}: ${other.status}`);
        if (r.status === 'refused') process.exitCode = Exit.refused;
      } finally {
        await opened.close();
      }
    }),
    `
Reads/writes: <dir>/journal.scj, --card <file> or --reader <name> (read; the card reissues the
check it signed). ${PIN_SOURCES}

Example:
  smartcheck pos recover till-1 --card alice.card --pin 1234
  smartcheck pos recover till-1 --reader "Virtual PCD 00 00" --pin 1234`,
  );

  helpText(
    jsonOption(
      dirArg(
        pos
          .command('status')
          .description('the terminal: merchant, pending and deposited totals, revocation list age, interrupted sales'),
      ),
    ).action(async (dir: string, o: { json?: boolean }) => {
      const opened = await openMerchantDir(dir, { readOnly: true });
      try {
        const book = opened.book;
        const cur = opened.config.currency;
        const by = (s: string) => book.checks().filter((e) => e.status === s);
        const sum = (es: { record: { amount: number } }[]) => es.reduce((t, e) => t + e.record.amount, 0);
        const age = book.revocationListAgeS();
        const list = book.revocationList?.body;
        const { Terminal } = await import('../merchant/terminal.ts');
        const terminal = new Terminal(book, { terminalId: opened.config.terminalId });
        const interrupted = terminal.interrupted().length;
        const lastTx = book.lastTerminalTxId(opened.config.terminalId);
        const total = (s: string) => ({ checks: by(s).length, amount: sum(by(s)) });
        const refundsToSend = book.pendingRefunds().length;
        const [pending, deposited, refused, voided] = [
          { checks: book.pending().length, amount: book.pendingAmount() },
          total('deposited'),
          total('refused'),
          total('voided'),
        ];
        const count = (t: { checks: number; amount: number }) => `${t.checks} checks, ${formatMoney(t.amount, cur)}`;
        emit(
          o.json,
          {
            merchantId: opened.config.merchantId,
            terminalId: opened.config.terminalId,
            bankId: book.bankId,
            bankUrl: opened.config.bankUrl,
            currency: cur,
            pending,
            deposited,
            refused,
            voided,
            refundsToSend,
            revocationList: list ? { listNumber: list.listNumber, revoked: list.revoked.length, ageS: age } : null,
            interrupted,
            lastTransaction: lastTx || null,
          },
          () =>
            fields([
              [
                'merchant',
                `${opened.config.merchantId}, terminal ${opened.config.terminalId}, bank ${book.bankId} at ${opened.config.bankUrl}`,
              ],
              ['pending', count(pending)],
              ['deposited', count(deposited)],
              ['refused', count(refused)],
              ['voided', count(voided)],
              ['refunds to send', refundsToSend ? `${refundsToSend}: sent with the next pos deposit` : 'none'],
              [
                'revocation list',
                list ? `#${list.listNumber}, ${list.revoked.length} revoked, ${age} s old` : 'none (run pos refresh)',
              ],
              ['interrupted', interrupted ? `${interrupted} sale(s): run pos recover with the card` : 'none'],
              ['last transaction', `${lastTx || 'none'}`],
            ]),
        );
      } finally {
        await opened.close();
      }
    }),
    `Reads: <dir> (changes nothing).\n\nExample:\n  smartcheck pos status till-1`,
  );

  helpText(
    jsonOption(dirArg(pos.command('pending').description('list the checks not yet deposited'))).action(
      async (dir: string, o: { json?: boolean }) => {
        const opened = await openMerchantDir(dir, { readOnly: true });
        try {
          const pending = opened.book.pending();
          emit(
            o.json,
            pending.map((e) => ({
              purseId: e.record.purseId,
              serial: e.record.serial,
              amount: e.record.amount,
              currency: e.record.currency,
              status: e.status,
              time: e.record.time,
              checkHash: e.record.checkHash,
            })),
            () => {
              if (!pending.length) console.log('no checks pending');
              else
                table(
                  ['purse', 'serial', 'amount', 'cur', 'status', 'taken', 'check'],
                  pending.map((e) => [
                    e.record.purseId,
                    e.record.serial,
                    toDecimal(e.record.amount, e.record.currency),
                    e.record.currency,
                    e.status,
                    when(e.record.time),
                    toHex(e.record.checkHash).slice(0, 16),
                  ]),
                );
            },
          );
        } finally {
          await opened.close();
        }
      },
    ),
    `Reads: <dir> (changes nothing).\n\nExample:\n  smartcheck pos pending till-1 --json`,
  );
}
