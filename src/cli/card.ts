// `smartcheck card …`: the emulated smartcard whose EEPROM lives in a file (src/card/file-store.ts).
// issue personalises a new card (enrolled with the cardholder's activation code, or by the issuer's
// back office), unblock resets a blocked PIN with the bank's signature, renew renews its certificate at
// the bank's counter; status and log read it.
import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { LogRecord } from '../card/purse.ts';
import { moneyOf, toDecimal } from '../money.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import { Lifecycle } from '../protocol/purse-apdu.ts';
import { serveCommand } from './card-serve.ts';
import {
  backOfficeClient,
  bankClient,
  bankOption,
  cardIdentity,
  emit,
  fields,
  helpText,
  idArg,
  jsonOption,
  type LimitsOptions,
  limitsGiven,
  limitsOf,
  limitsOptions,
  openCard,
  table,
  tokenOption,
  when,
} from './common.ts';
import { usage } from './exit.ts';
import { PIN_SOURCES, type PinOptions, pinOptions, resolvePin } from './pin.ts';

const LIFECYCLE: Record<number, string> = {
  [Lifecycle.blank]: 'blank',
  [Lifecycle.keysGenerated]: 'keys generated',
  [Lifecycle.certificateInstalled]: 'certificate installed',
  [Lifecycle.active]: 'active',
};
/** The applet takes a PIN of 4 to 8 bytes. */
const newPinArg = (value: string) => {
  if (!/^\d{4,8}$/.test(value)) throw new InvalidArgumentError('PIN: 4 to 8 digits');
  return value;
};

export function cardCommands(program: Command): void {
  const card = program
    .command('card')
    .description('an emulated smartcard purse in a file: issue it, read its status and log');
  helpText(
    card,
    `
The card's EEPROM (keys, PIN, balance, serial, log) is one file, replaced atomically after every
command that writes it. A file changed by anything else is refused (exit 4).

Example:
  smartcheck card issue --card alice.card --activation-code ABCD-EFGH-… --purse P-alice --pin 1234
  smartcheck card status --card alice.card
  smartcheck card unblock --card alice.card --new-pin 2468
  smartcheck card renew --card alice.card --pin 1234`,
  );

  helpText(
    limitsOptions(
      tokenOption(
        pinOptions(
          bankOption(
            card
              .command('issue')
              .description(
                'personalise a new card: it makes its keys, the bank certifies them, the card takes the roots, its certificate and the PIN',
              )
              .requiredOption('--card <file>', 'the card file to create (refuses an existing one)')
              .option(
                '--activation-code <code>',
                "the cardholder's one-time activation code (bank activation-code): no back-office credential needed",
              )
              .option(
                '--cardholder <id>',
                "instead of a code: the issuer's back office personalises the card for this cardholder (a credential with role issuer)",
                idArg('cardholder'),
              )
              .requiredOption('--purse <id>', 'the purse id (unique at the bank)', idArg('purse')),
          ),
          'the PIN to set (4–12 digits)',
        ),
      ),
    ).action(
      async (
        o: PinOptions &
          LimitsOptions & {
            card: string;
            activationCode?: string;
            cardholder?: string;
            purse: string;
            bank: string;
            tokenFile?: string;
          },
        command: Command,
      ) => {
        if (!o.activationCode === !o.cardholder)
          throw usage('card issue: either --activation-code (the cardholder) or --cardholder (the issuer)');
        if (o.activationCode && limitsGiven(command))
          throw usage('card issue: the activation code decides the limits: no --currency or --max-… with it');
        if (existsSync(o.card)) throw usage(`${o.card} exists: refusing to overwrite a card`);
        const pin = await resolvePin(o);
        const { EmulatedCard, MemoryEeprom, PurseCard, loadApplet } = await import('../card/index.ts');
        const { FileEeprom } = await import('../card/file-store.ts');
        const bank = o.activationCode ? await bankClient(o.bank) : await backOfficeClient(o.bank, o);
        // Personalised in memory, written to the file only when whole: a refusal leaves no file.
        const emulator = await EmulatedCard.create({ store: new MemoryEeprom() });
        const { issueCard } = await import('../wallet/issue.ts');
        const p = await issueCard(new PurseCard(emulator), bank, {
          purseId: o.purse,
          pin,
          ...(o.activationCode
            ? { activationCode: o.activationCode }
            : { cardholderId: o.cardholder as string, limits: limitsOf(o) }),
        });
        const { buildHash } = await loadApplet();
        new FileEeprom(o.card, buildHash).saveSync(emulator.image);
        const { parseCertificate } = await import('../protocol/certificate.ts');
        const l = parseCertificate(p.certificate).limits as OfflineLimits;
        console.log(
          `card ${o.card}: purse ${p.purseId} of ${p.cardholderId}, certified by ${p.bankId}, ${l.currency} (max balance ${l.maxBalance}, max per check ${l.maxPerCheck})`,
        );
      },
    ),
    `
Writes: --card <file> (mode 0600). With --activation-code the cardholder enrols the card itself
(the code, from \`smartcheck bank activation-code\`, works once and sets the limits); with
--cardholder the issuer personalises it through the back office (a credential with role issuer:
$SMARTCHECK_BANK_TOKEN or --token-file).
${PIN_SOURCES}

Example:
  smartcheck card issue --card alice.card --activation-code ABCD-EFGH-… --purse P-alice --pin 1234 --bank http://127.0.0.1:8700`,
  );

  helpText(
    tokenOption(
      bankOption(
        card
          .command('unblock')
          .description(
            "reset the PIN retry counter (a PIN blocked after 3 wrong tries) with the bank's signature (back office, role operator); optionally a new PIN",
          )
          .requiredOption('--card <file>', 'the card file')
          .option('--new-pin <pin>', 'a new PIN (4–8 digits); without it the old PIN stays', newPinArg),
      ),
    ).action(async (o: { card: string; bank: string; tokenFile?: string; newPin?: string }) => {
      const purse = await openCard(o.card);
      const { purseId } = await cardIdentity(purse);
      const bank = await backOfficeClient(o.bank, o);
      // The counter is a time (ms): above any counter the card applied before (it keeps the last).
      const { counter, signature } = await bank.unblockSignature(purseId, Date.now());
      await purse.unblock(counter, signature, o.newPin);
      const { pinTries } = await purse.status();
      console.log(
        `card ${o.card}: purse ${purseId} unblocked by the bank, ${pinTries} PIN tries${o.newPin ? ', new PIN set' : ''}`,
      );
    }),
    `
Reads/writes: --card <file>. The bank signs "unblock" for this purse and a fresh counter; the card
checks the signature with the bank key it was personalised with, and refuses a counter it has seen.
A lost or revoked purse is refused by the bank (exit 4).

Example:
  smartcheck card unblock --card alice.card --bank http://127.0.0.1:8700 --new-pin 2468`,
  );

  helpText(
    pinOptions(
      tokenOption(
        bankOption(
          card
            .command('renew')
            .description(
              "renew the card's certificate at the bank's counter (back office, role issuer): the card signs the bank's nonce, the bank certifies the same keys again, the card installs it; the balance stays",
            )
            .requiredOption('--card <file>', 'the card file'),
        ),
      ),
      'the PIN (the cardholder consents to the renewal)',
    ).action(async (o: PinOptions & { card: string; bank: string; tokenFile?: string }) => {
      const purse = await openCard(o.card);
      const { purseId } = await cardIdentity(purse);
      await purse.verifyPin(await resolvePin(o));
      const bank = await backOfficeClient(o.bank, o);
      const nonce = await bank.renewalNonce(purseId);
      const certificate = await bank.renewCertificate(purseId, nonce, await purse.renewalSignature(nonce));
      await purse.renewCertificate(certificate);
      const { parseCertificate } = await import('../protocol/certificate.ts');
      const { balance } = await purse.status();
      console.log(
        `card ${o.card}: purse ${purseId} renewed by the bank, valid until ${when(parseCertificate(certificate).notAfter)}, balance ${balance} kept`,
      );
    }),
    `
Reads/writes: --card <file>. For a card whose certificate expired (it can no longer load) or that
the bank wants renewed now; a card that loads renews on its own within 30 days of its end or after
the bank rotated its keys. The bank draws a nonce; the card signs "smartcheck/1/renewal" ‖ purse id
‖ nonce with its purse key (under the PIN), which proves it is the card; the bank certifies the
same purse keys with the same limits and a later expiry; the card checks the certificate (its own
keys, purse and bank, newer than the one it holds) and installs it in one journaled step. A lost
or revoked purse is refused (exit 4, code 330).

Example:
  smartcheck card renew --card alice.card --bank http://127.0.0.1:8700 --pin 1234`,
  );

  helpText(
    jsonOption(
      card
        .command('status')
        .description("the card's purse id, balance, serial, PIN tries, totals and certified limits")
        .requiredOption('--card <file>', 'the card file'),
    ).action(async (o: { card: string; json?: boolean }) => {
      const purse = await openCard(o.card);
      const s = await purse.status();
      const id = await cardIdentity(purse);
      const show = moneyOf(id.limits?.currency);
      emit(o.json, { purseId: id.purseId, bankId: id.bankId, notAfter: id.notAfter, ...s, limits: id.limits }, () =>
        fields([
          ['purse', `${id.purseId} (bank ${id.bankId}, certificate valid until ${when(id.notAfter)})`],
          [
            'state',
            `${LIFECYCLE[s.lifecycle] ?? s.lifecycle}, ${s.pinTries === 0 ? 'PIN blocked' : `PIN tries left ${s.pinTries}`}`,
          ],
          ['balance', show(s.balance)],
          ['last serial', s.serial],
          ['loaded', show(s.loadedTotal)],
          ['spent (net)', show(s.spentTotal)],
          ['refunded', show(s.refundedTotal)],
          ['offline', `${s.offlineChecks} checks, ${show(s.offlineAmount)} since the last load`],
          ...(id.limits
            ? [
                [
                  'limits',
                  `max balance ${show(id.limits.maxBalance)}, per check ${show(id.limits.maxPerCheck)}, offline ${id.limits.maxOfflineChecks} checks / ${show(id.limits.maxOfflineAmount)}`,
                ] as [string, string],
              ]
            : []),
        ]),
      );
    }),
    `Reads: --card <file> (changes nothing).\n\nExample:\n  smartcheck card status --card alice.card --json`,
  );

  helpText(
    jsonOption(
      pinOptions(
        card
          .command('log')
          .description("the card's transaction log, newest first (the card keeps the last 16)")
          .requiredOption('--card <file>', 'the card file'),
        "the card's PIN (the log is private)",
      ),
    ).action(async (o: PinOptions & { card: string; json?: boolean }) => {
      const purse = await openCard(o.card);
      await purse.verifyPin(await resolvePin(o));
      const { logTotal } = await purse.status();
      const records: LogRecord[] = [];
      for (let i = 0; i < Math.min(logTotal, 16); i++) records.push(await purse.readLog(i));
      emit(o.json, { purseId: (await cardIdentity(purse)).purseId, records }, () => {
        if (records.length === 0) console.log('no transactions yet');
        else
          table(
            ['kind', 'serial', 'amount', 'cur', 'with', 'time'],
            records.map((r) => [
              r.kind + (r.refunded ? ' (refunded)' : ''),
              r.serial,
              toDecimal(r.amount, r.currency),
              r.currency,
              r.counterparty,
              when(r.time),
            ]),
          );
      });
    }),
    `Reads: --card <file> (changes nothing but the PIN try counter on a wrong PIN).
${PIN_SOURCES}\n\nExample:\n  smartcheck card log --card alice.card --pin 1234`,
  );
  serveCommand(card);
}
