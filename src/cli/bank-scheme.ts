// A bank in a scheme of several banks (docs/scheme.md), from the bank's side: `bank init` makes
// its keys and writes their public halves for the scheme operator; `bank serve` joins the scheme
// with the certificate the operator sent back (--scheme-root, --bank-certificate) and works with
// the other banks (--peer: whose revocation lists it relays, to whom it presents their cards'
// checks, with whom it settles); `bank settle` closes the interbank settlement now.
import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Bank } from '../bank/issuing.ts';
import type { PeerBank } from '../bank/relay.ts';
import type { SchemeMembership } from '../bank/scheme.ts';
import { equalBytes } from '../bytes.ts';
import { publicKeyOf } from '../protocol/signing-key.ts';
import { backOfficeClient, bankOption, emit, helpText, idArg, int, jsonOption, table, tokenOption } from './common.ts';
import { Exit, refused, usage } from './exit.ts';
import { KEY_STORE_OPTION, openKeyStoreFor } from './key-store.ts';
import { encodePublicKeys, fingerprint, readBankCertificate, readSchemeRoot, type SchemeRoot } from './scheme-files.ts';

const ID = idArg('peer');

/**
 * `--peer id=url`, repeated or comma-separated (`a=http://…,b=http://…`: the form the environment
 * and the config file give, which hold one value).
 */
function peerArg(value: string, previous: PeerBank[] = []): PeerBank[] {
  const peers = value
    .split(',')
    .filter((p) => p.trim())
    .map((p) => {
      const at = p.indexOf('=');
      if (at < 1) throw new InvalidArgumentError(`peer: id=url, e.g. bank-b=http://10.0.0.2:8700, got ${p}`);
      const url = p.slice(at + 1).trim();
      if (!/^https?:\/\/[^/]/.test(url)) throw new InvalidArgumentError(`peer ${p}: an http(s) URL after =`);
      return { bankId: ID(p.slice(0, at).trim()), url };
    });
  return [...previous, ...peers];
}

export interface SchemeServeOptions {
  schemeRoot?: string;
  bankCertificate?: string;
  peer?: PeerBank[];
  settlementInterval: number;
  presentInterval: number;
  peerRefresh: number;
}

/** `bank serve`'s options for a bank of a scheme. */
export const schemeServeOptions = (cmd: Command): Command =>
  cmd
    .option(
      '--scheme-root <file>',
      "the scheme root's certificate (scheme init): the bank is created in that scheme, and checked against it at every start",
    )
    .option(
      '--bank-certificate <file>',
      'a new bank of a scheme: its certificate from the operator (scheme certify) over the keys `bank init` made; read once, when the bank is created',
    )
    .option(
      '--peer <id=url>',
      "another bank of the scheme (repeat, or comma-separate): its revocation list relayed to this bank's terminals, its cards' checks presented to it, settled with it",
      peerArg,
    )
    .option(
      '--settlement-interval <seconds>',
      'close the interbank settlement with every peer this often (0: on demand only, `bank settle`)',
      int('settlement-interval', 0, 30 * 86_400),
      0,
    )
    .option(
      '--present-interval <seconds>',
      "send again the presentments a peer has not answered this often (each deposit with a peer's checks also sends at once)",
      int('present-interval', 1, 86_400),
      30,
    )
    .option(
      '--peer-refresh <seconds>',
      "fetch the peers' revocation lists at most this often (when a terminal asks for them)",
      int('peer-refresh', 0, 86_400),
      60,
    );

/** What `bank serve` read of the scheme before opening anything: the files are checked first. */
export interface Joining {
  root?: SchemeRoot;
  /** For BankService.open: the membership (when the bank is created) and the peers. */
  service: {
    scheme?: SchemeMembership;
    peers: PeerBank[];
    peerRefreshS: number;
    presentEveryS: number;
  };
}

/**
 * The scheme a `bank serve` joins: the root (its certificate verified), and a membership that
 * hands createBank the operator's certificate when it certifies exactly the keys the store holds
 * (bank init's). Without --bank-certificate the membership refuses: a new bank cannot be created.
 */
export function joinScheme(o: SchemeServeOptions & { bankId: string }, now: number): Joining {
  const peers = o.peer ?? [];
  const service = { peers, peerRefreshS: o.peerRefresh, presentEveryS: o.presentInterval };
  if (!o.schemeRoot) {
    if (o.bankCertificate) throw usage('--bank-certificate goes with --scheme-root (the root that signed it)');
    return { service };
  }
  const root = readSchemeRoot(o.schemeRoot, now);
  const path = o.bankCertificate;
  const cert = path ? readBankCertificate(path, root, o.bankId, now) : undefined;
  const scheme: SchemeMembership = {
    root,
    certify(bankId, keys) {
      if (!cert || !path)
        throw usage(
          `bank ${bankId} is not in this database yet: a new bank of a scheme starts with --bank-certificate (bank init, then the operator's scheme certify)`,
        );
      if (!equalBytes(cert.signingKey, keys.signingKey) || !equalBytes(cert.kxKey ?? new Uint8Array(), keys.kxKey))
        throw refused(
          `${path} certifies other keys than bank ${bankId}'s in the key store (the operator must certify the file bank init wrote with this key store)`,
        );
      return cert.bytes;
    },
  };
  return { root, service: { ...service, scheme } };
}

/**
 * After the bank is open: a bank stored under another root than --scheme-root's is refused, and
 * so are peers for a bank under its own root (no other bank's certificate chains to it).
 */
export async function checkJoined(bank: Bank, joining: Joining): Promise<void> {
  const { root } = joining;
  if (root && (bank.root.id !== root.id || !equalBytes(bank.root.publicKey, root.publicKey)))
    throw usage(`bank ${bank.id} in this database trusts the root ${bank.root.id}, not the scheme root ${root.id}`);
  const { inScheme } = await import('../bank/issuing.ts');
  if (joining.service.peers.length && !inScheme(bank.party.certificate))
    throw usage(`--peer: bank ${bank.id} is under its own root, not in a scheme (--scheme-root when it is created)`);
}

/** The one-line summary `bank serve` adds to its start line in a scheme. */
export const schemeSummary = (bank: Bank, joining: Joining): string =>
  joining.service.peers.length || joining.root
    ? `; scheme ${bank.root.id}, peers: ${joining.service.peers.map((p) => p.bankId).join(', ') || 'none'}`
    : '';

export function bankSchemeCommands(bank: Command): void {
  helpText(
    bank
      .command('init')
      .description(
        'a bank joining a scheme: make its keys in its key store and write their public halves for the scheme operator to certify',
      )
      .option('--bank-id <id>', 'the bank (the id it will serve with)', idArg('bank-id'), 'bank-1')
      .requiredOption('--public-keys-out <file>', 'the public keys file to write (for `scheme certify --public-keys`)')
      .option(...KEY_STORE_OPTION)
      .action(async (o: { bankId: string; publicKeysOut: string; keyStore?: string }) => {
        const { schemeBankKeys } = await import('../bank/issuing.ts');
        const keys = await openKeyStoreFor(o.keyStore, { persistent: true });
        try {
          const made = await schemeBankKeys(keys, o.bankId);
          const bytes = encodePublicKeys({ signingKey: publicKeyOf(made.signing), kxKey: made.kx.publicKey });
          try {
            writeFileSync(o.publicKeysOut, bytes, { flag: 'wx' });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EEXIST')
              throw usage(`${o.publicKeysOut} exists: refusing to overwrite it`);
            throw error;
          }
          console.log(
            `bank ${o.bankId}: keys in ${keys.description}, public keys written to ${o.publicKeysOut} (sha256 ${fingerprint(bytes)})`,
          );
        } finally {
          await keys.close();
        }
      }),
    `
Writes: --public-keys-out (public: send it to the scheme operator, and tell them its sha256 over
another channel). The secret keys stay in the key store; run again with the same store, it writes
the same keys. With the certificate back: bank serve --scheme-root <root> --bank-certificate <cert>.

Example:
  smartcheck bank init --bank-id bank-b --key-store file:bank-b.keys --public-keys-out bank-b.pub`,
  );

  helpText(
    jsonOption(
      tokenOption(
        bankOption(
          bank
            .command('settle')
            .description(
              'close the interbank settlement with every peer bank now (role operator): each pair signs its net positions; `bank serve --settlement-interval` does it on a schedule',
            ),
        ),
      ),
    ).action(async (o: { bank: string; tokenFile?: string; json?: boolean }) => {
      const pairs = await (await backOfficeClient(o.bank, o)).closeSettlement();
      emit(o.json, { pairs }, () => {
        if (!pairs.length) return console.log('no peer bank: nothing to settle');
        table(
          ['peer', 'settlement'],
          pairs.map((p) => [
            p.bankId,
            p.error ? `not closed: ${p.error}` : p.nothing ? 'nothing to settle' : `cycle ${p.cycle} agreed`,
          ]),
        );
      });
      // A pair not closed is offered again, unchanged, at the next close: say so by the exit code.
      if (pairs.some((p) => p.error)) process.exitCode = Exit.refused;
    }),
    `
Each pair's cycle closes once: both banks sign the same net position per currency. A peer that
did not answer is offered the same cycle at the next close (exit 4 until then).

Example:
  smartcheck bank settle --bank http://127.0.0.1:8701`,
  );
}
