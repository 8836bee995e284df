// `smartcheck wallet …`: the cardholder's wallet over a card file: load value from the bank
// (protocol 1), pay a web shop on the Internet (protocol 3, the cardholder key from its file).

import { existsSync, unlinkSync } from 'node:fs';
import type { Command } from 'commander';
import { toBase64 } from '../bytes.ts';
import { formatMoney, moneyOf } from '../money.ts';
import type { BankLink } from '../net/bank-link.ts';
import type { PaymentResult, PendingPayment } from '../wallet/wallet.ts';
import type { CardholderKeyFile } from './bank.ts';
import {
  amount,
  anchorsOf,
  bankClient,
  bankOption,
  type CardSource,
  cardIdentity,
  currencyArg,
  emit,
  fields,
  helpText,
  jsonOption,
  openCard,
  openPurse,
  readJson,
  unb64,
  when,
  writeSecretJson,
} from './common.ts';
import { usage } from './exit.ts';
import { PIN_SOURCES, type PinOptions, pinOptions, resolvePin } from './pin.ts';

/** Where `wallet pay` keeps a payment the shop did not confirm. */
const pendingFile = (card: string) => `${card}.pending.json`;

/** Internet payments need no bank: a link that says so if it is ever asked. */
const noBank: BankLink = {
  load: () => Promise.reject(new Error('no bank given (--bank)')),
  deposit: () => Promise.reject(new Error('no bank given (--bank)')),
  refund: () => Promise.reject(new Error('no bank given (--bank)')),
  revocationList: () => Promise.reject(new Error('no bank given (--bank)')),
};

export function walletCommands(program: Command): void {
  const wallet = program
    .command('wallet')
    .description("the cardholder's wallet: load value onto a card file, pay a web shop");
  helpText(
    wallet,
    `
Example:
  smartcheck wallet load 20000 --card alice.card --pin 1234 --bank http://127.0.0.1:8700
  smartcheck wallet pay 1500 --card alice.card --pin 1234 --key alice.key --shop http://127.0.0.1:8800`,
  );

  helpText(
    pinOptions(
      bankOption(
        wallet
          .command('load')
          .description(
            "load value from the cardholder's bank account onto the card (a lost reply is safe: run it again, the bank moves the money once)",
          )
          .argument('<amount>', 'minor units (cents)', amount)
          .option('--card <file>', 'the card file')
          .option('--reader <name>', 'or: the PC/SC reader holding the card (pcscd)'),
      ),
      "the card's PIN",
    ).action(async (value: number, o: PinOptions & CardSource & { bank: string }) => {
      const card = await openPurse(o);
      const pin = await resolvePin(o);
      const bank = await bankClient(o.bank);
      const info = await bank.bankInfo();
      const { Wallet } = await import('../wallet/wallet.ts');
      const w = new Wallet({ card, bank, bankCertificate: info.bankCertificate, anchors: anchorsOf(info.roots) });
      await w.unlock(pin);
      const r = await w.load(value);
      const id = await cardIdentity(card);
      const show = moneyOf(id.limits?.currency);
      console.log(
        `loaded ${show(r.amount)} onto ${id.purseId}${r.resumed ? ' (an earlier request completed)' : ''}: card balance ${show(r.balance)}${r.renewed ? `; certificate renewed by the bank, valid until ${when(id.notAfter)}` : ''}`,
      );
      if (r.renewalError)
        console.error(
          `smartcheck: the bank renewed the certificate, not installed yet (${r.renewalError.message}): the next load tries again`,
        );
    }),
    `
Reads/writes: --card <file> (or the card in the PC/SC reader --reader). Debits the cardholder's
account at the bank. ${PIN_SOURCES}

Example:
  smartcheck wallet load 20000 --card alice.card --pin 1234
  smartcheck wallet load 20000 --reader "Virtual PCD 00 00" --pin 1234`,
  );

  helpText(
    pinOptions(
      wallet
        .command('pay')
        .description(
          'pay a web shop: the shop signs a slip, the card deducts and signs the check, the cardholder key approves it, sealed to the merchant',
        )
        .argument('<amount>', 'minor units (cents)', amount)
        .option('--card <file>', 'the card file')
        .option('--reader <name>', 'or: the PC/SC reader holding the card (pcscd)'),
      "the card's PIN",
    )
      .requiredOption('--key <file>', 'the cardholder key file (smartcheck bank register --key)')
      .requiredOption('--shop <url>', 'the web shop (smartcheck shop serve)')
      .option('--item <name>', 'what is bought', 'item')
      .option('--currency <code>', "currency (default: the purse's)", currencyArg)
      .action(
        async (
          value: number,
          o: PinOptions & CardSource & { key: string; shop: string; item: string; currency?: string },
        ) => {
          const key = readJson<CardholderKeyFile>(o.key, 'cardholder key file');
          if (key.format !== 'smartcheck-cardholder/1') throw usage(`${o.key}: not a smartcheck cardholder key file`);
          const card = await openPurse(o);
          // A payment the shop did not confirm is kept beside the card file, or the key file for a card in a reader.
          const pending = pendingFile(o.card ?? o.key);
          const resume = `smartcheck wallet resume ${o.card ? `--card ${o.card}` : `--key ${o.key}`}`;
          const pin = await resolvePin(o);
          const id = await cardIdentity(card);
          if (!id.bankCertificate) throw usage("the card's certificate carries no bank certificate");
          const { Wallet } = await import('../wallet/wallet.ts');
          const { ShopClient } = await import('../net/shop-client.ts');
          let shop: InstanceType<typeof ShopClient>;
          try {
            shop = new ShopClient(o.shop, { timeoutMs: 15_000 });
          } catch {
            throw usage(`--shop: not an http(s) URL: ${o.shop}`);
          }
          const cardholder = {
            id: key.cardholderId,
            secretKey: unb64(key.secretKey, 'secretKey'),
            certificate: unb64(key.certificate, 'certificate'),
          };
          const w = new Wallet({
            card,
            bank: noBank,
            bankCertificate: id.bankCertificate,
            anchors: anchorsOf(key.roots.map((r) => ({ id: r.id, publicKey: unb64(r.publicKey, 'root') }))),
            cardholder,
          });
          await w.unlock(pin);
          if (existsSync(pending))
            throw usage(`${pending}: a payment the shop has not confirmed yet; run \`${resume}\` first`);
          let paid: PaymentResult;
          try {
            paid = await w.payInternet(shop, {
              item: o.item,
              amount: value,
              currency: o.currency ?? id.limits?.currency ?? 'EUR',
            });
          } catch (error) {
            // The card paid and the shop did not confirm: the sealed check is the cardholder's value.
            // It is kept beside the card so `wallet resume` sends it again (the shop confirms it once).
            const unconfirmed = (error as { pending?: PendingPayment }).pending;
            if (unconfirmed) {
              writeSecretJson(pending, {
                orderId: unconfirmed.orderId,
                checkId: unconfirmed.checkId,
                amount: unconfirmed.amount,
                serial: unconfirmed.serial,
                sealedCheck: toBase64(unconfirmed.sealedCheck),
                shop: shop.baseUrl,
              });
              (error as Error).message += `; kept in ${pending}: run \`${resume}\``;
            }
            throw error;
          }
          console.log(
            `paid ${formatMoney(paid.amount, paid.currency)} to ${paid.merchantId} for order ${paid.orderId} (check ${paid.purseId}#${paid.serial}): card balance ${formatMoney(paid.balance, paid.currency)}`,
          );
        },
      ),
    `
Reads: --key <file>. Reads/writes: --card <file> (or the card in the PC/SC reader --reader). The bank is not needed: the card, the key file
and the shop are. ${PIN_SOURCES}

Example:
  smartcheck wallet pay 1500 --item book --card alice.card --pin 1234 --key alice.key --shop http://127.0.0.1:8800`,
  );

  helpText(
    wallet
      .command('resume')
      .description(
        'send again a payment the card made and the shop did not confirm (kept in <card>.pending.json by wallet pay)',
      )
      .option('--card <file>', 'the card file')
      .option('--key <file>', 'or: the cardholder key file (a payment made with --reader is kept beside it)')
      .option('--shop <url>', 'the shop (default: the one the payment was for)')
      .action(async (o: { card?: string; key?: string; shop?: string }) => {
        if (!o.card === !o.key) throw usage('give --card <file> or --key <file>');
        const path = pendingFile((o.card ?? o.key) as string);
        const p = readJson<{
          orderId: string;
          checkId: string;
          amount: number;
          serial: number;
          sealedCheck: string;
          shop: string;
        }>(path, 'pending payment (nothing to resume)');
        const { ShopClient } = await import('../net/shop-client.ts');
        const shop = new ShopClient(o.shop ?? p.shop, { timeoutMs: 15_000 });
        const confirmation = await shop.pay(p.orderId, unb64(p.sealedCheck, 'sealedCheck'));
        if (confirmation.checkId !== p.checkId)
          throw usage(`the shop confirmed check ${confirmation.checkId}, not ${p.checkId}: ${path} kept`);
        unlinkSync(path);
        console.log(
          `paid ${formatMoney(confirmation.amount, confirmation.currency)} for order ${confirmation.orderId} (check ${confirmation.purseId}#${confirmation.serial}): confirmed by the shop`,
        );
      }),
    `
Reads: <card>.pending.json (<key>.pending.json after a payment with --reader), removed once the
shop confirms.

Example:
  smartcheck wallet resume --card alice.card`,
  );

  helpText(
    jsonOption(
      wallet
        .command('status')
        .description("the card's balance and loads requested but not yet credited")
        .requiredOption('--card <file>', 'the card file'),
    ).action(async (o: { card: string; json?: boolean }) => {
      const card = await openCard(o.card);
      const s = await card.status();
      const id = await cardIdentity(card);
      const show = moneyOf(id.limits?.currency);
      const outstanding = await card.outstandingLoads();
      const pending = existsSync(pendingFile(o.card)) ? pendingFile(o.card) : null;
      emit(
        o.json,
        {
          purseId: id.purseId,
          balance: s.balance,
          currency: id.limits?.currency ?? null,
          checksSigned: s.serial,
          paymentPending: pending,
          loadsPending: outstanding.map((l) => ({ counter: l.counter, amount: l.amount })),
        },
        () =>
          fields([
            ['purse', id.purseId],
            ['balance', show(s.balance)],
            ['checks signed', s.serial],
            ['payment pending', pending ? `${pending} (run wallet resume)` : 'none'],
            [
              'loads pending',
              outstanding.length
                ? outstanding.map((l) => `#${l.counter}: ${show(l.amount)}`).join(', ') +
                  ' (run wallet load with the same amount)'
                : 'none',
            ],
          ]),
      );
    }),
    `Reads: --card <file> (changes nothing).\n\nExample:\n  smartcheck wallet status --card alice.card`,
  );
}
