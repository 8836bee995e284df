// `smartcheck shop …`: a web shop (protocol 3) over a merchant directory: init, serve on loopback
// (optionally with the browser wallet's built page), deposit.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_REVOCATION_MAX_AGE_S } from '../merchant/policy.ts';
import {
  bankOption,
  currencyArg,
  durationArg,
  helpText,
  idArg,
  int,
  jsonOption,
  printJson,
  tokenOption,
} from './common.ts';
import { CliError, Exit, usage } from './exit.ts';
import { bankRefusedAny, depositDir, initMerchantDir, openMerchantDir } from './merchant-dir.ts';
import { type ServeOptions, serveOptions, serverOptions, stopOnSignal } from './serve.ts';

const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

export function shopCommands(program: Command): void {
  const shop = program
    .command('shop')
    .description('a web shop: init a merchant directory, serve the shop on loopback, deposit its checks');
  helpText(
    shop,
    `
Example:
  smartcheck shop init web-1 --merchant books --bank http://127.0.0.1:8700
  smartcheck shop serve web-1 --port 8800 &
  smartcheck wallet pay 1500 --card alice.card --pin 1234 --key alice.key --shop http://127.0.0.1:8800
  smartcheck shop deposit --shop http://127.0.0.1:8800`,
  );

  helpText(
    tokenOption(
      bankOption(
        shop
          .command('init')
          .description(
            "make the shop's merchant keys here, have the bank certify them (back office, role issuer), fetch the revocation list",
          )
          .argument('<dir>', 'the shop directory')
          .requiredOption('--merchant <id>', 'merchant id (unique at the bank)', idArg('merchant'))
          .option('--currency <code>', 'currency accepted', currencyArg, 'EUR')
          .option(
            '--revocation-max-age <duration>',
            'refuse checks once the revocation list is older than this',
            durationArg('revocation-max-age'),
            DEFAULT_REVOCATION_MAX_AGE_S,
          ),
      ),
    ).action(
      async (
        dir: string,
        o: { merchant: string; currency: string; bank: string; tokenFile?: string; revocationMaxAge: number },
      ) => {
        const { config } = await initMerchantDir(dir, {
          bankUrl: o.bank,
          ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}),
          merchantId: o.merchant,
          terminalId: 'WEB',
          currency: o.currency,
          role: 'shop',
          revocationMaxAgeS: o.revocationMaxAge,
        });
        console.log(
          `web shop of merchant ${config.merchantId} in ${dir}: certified by the bank at ${config.bankUrl}, ${config.currency}`,
        );
      },
    ),
    `
Writes: <dir>/merchant.json (secret keys, mode 0600), <dir>/journal.scj.

Example:
  smartcheck shop init web-1 --merchant books`,
  );

  helpText(
    serveOptions(shop.command('serve'))
      .description('serve the web shop (orders with signed slips, payment, deposit) until SIGINT/SIGTERM')
      .argument('<dir>', 'the shop directory')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--port <port>', 'TCP port (0: any free port)', int('port', 0, 65535), 8800)
      .option('--static <dir>', `serve this directory at / (default: the browser wallet's page ${WEB_DIST} when built)`)
      .option('--no-static', 'serve no page')
      .action(async (dir: string, o: ServeOptions & { host: string; port: number; static?: string | false }) => {
        const server = serverOptions(o);
        const staticDir =
          o.static === false ? undefined : (o.static ?? (existsSync(`${WEB_DIST}/index.html`) ? WEB_DIST : undefined));
        if (typeof o.static === 'string' && !existsSync(o.static)) throw usage(`--static: no directory ${o.static}`);
        const opened = await openMerchantDir(dir);
        const { createShopServer } = await import('../shop/server.ts');
        const app = await createShopServer({
          book: opened.book,
          terminalId: opened.config.terminalId,
          currencies: [opened.config.currency],
          ...(staticDir ? { staticDir } : {}),
          ...server,
        });
        let address: string;
        try {
          address = await app.listen({ host: o.host, port: o.port });
        } catch (error) {
          await opened.close();
          throw new CliError(Exit.failure, `cannot listen on ${o.host}:${o.port}: ${(error as Error).message}`);
        }
        console.log(`shop ${opened.config.merchantId} on ${address}${staticDir ? ` (page: ${staticDir})` : ''}`);
        stopOnSignal(app, () => opened.close());
      }),
    `
Reads/writes: <dir>/journal.scj (a payment is confirmed once its check is durable there). Holds
<dir>/lock while serving: deposit through it with \`shop deposit --shop <url>\`.

Example:
  smartcheck shop serve web-1 --port 8800`,
  );

  helpText(
    jsonOption(
      shop
        .command('deposit')
        .description(
          "deposit the shop's pending checks at the bank: through the running shop (--shop) or from its directory",
        ),
    )
      .argument('[dir]', 'the shop directory (when the shop is not running)')
      .option('--shop <url>', 'a running shop (asks it to deposit: loopback only)')
      .option('--bank <url>', 'override the bank URL stored at init (with <dir>)')
      .option('--progress', 'show a progress bar even when stderr is not a terminal')
      .action(
        async (dir: string | undefined, o: { shop?: string; bank?: string; progress?: boolean; json?: boolean }) => {
          if (!dir === !o.shop) throw usage('give either <dir> or --shop <url>');
          if (dir) {
            const report = await depositDir(dir, {
              ...(o.bank ? { bankUrl: o.bank } : {}),
              progress: o.progress ?? false,
              json: o.json ?? false,
            });
            if (bankRefusedAny(report)) process.exitCode = Exit.refused;
            return;
          }
          const { request, jsonOf } = await import('../net/http.ts');
          const { ShopRejectedError, ShopUnreachableError } = await import('../net/shop-link.ts');
          const url = `${String(o.shop).replace(/\/+$/, '')}/v1/deposit`;
          const unreachable = (cause: unknown) => new ShopUnreachableError(url, cause);
          const response = await request(
            url,
            { method: 'POST', json: {}, timeoutMs: 120_000 },
            unreachable,
            (status, e) => new ShopRejectedError(status, e.kind, e.code, e.message),
          );
          const report = await jsonOf<{
            credited: number;
            outcomes: unknown[];
            refused: { purseId: string; serial: number; code: number }[];
          }>(response, unreachable);
          if (report.refused.length) process.exitCode = Exit.refused;
          // The shop's answer is already JSON with bytes as hex: passed through as it came.
          if (o.json) return printJson(report);
          console.log(
            `deposited ${report.outcomes.length - report.refused.length} of ${report.outcomes.length} checks: ${report.credited} credited`,
          );
          for (const r of report.refused) console.log(`refused: ${r.purseId}#${r.serial} (${r.code})`);
        },
      ),
    `
Exit 4 when the bank refused any check. --json prints the deposit report (bytes as hex).

Example:
  smartcheck shop deposit --shop http://127.0.0.1:8800
  smartcheck shop deposit web-1 --progress`,
  );
}
