// `smartcheck scheme …`: the scheme operator's two commands (docs/scheme.md). `init` makes the
// scheme root's key in a key store (an encrypted file or a PKCS#11 token, as a bank's keys) and
// writes its self-signed certificate for every bank to trust; `certify` signs a bank certificate,
// with the bank's roles, over the public keys the bank sent (`bank init`): no bank secret ever
// reaches the operator, and the root key never leaves its store.
import { existsSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { KEY_STORE_HELP } from '../bank/keys/open.ts';
import { type KeyStore, KeyStoreError } from '../bank/keys/store.ts';
import { certifyBankKeys, type Root } from '../protocol/pki.ts';
import { BankRole } from '../protocol/registry.ts';
import { publicKeyOf, type SecretKey } from '../protocol/signing-key.ts';
import { helpText, idArg, int, when } from './common.ts';
import { usage } from './exit.ts';
import { openKeyStoreFor } from './key-store.ts';
import { encodePublicKeys, fingerprint, readPublicKeys, rootCertificate } from './scheme-files.ts';

const DAY_S = 86_400;
const ROLE_NAMES = { issuer: BankRole.Issuer, acquirer: BankRole.Acquirer } as const;

/** `--roles issuer,acquirer`: the bit set of claim bankRoles. */
function bankRoles(value: string): number {
  let bits = 0;
  for (const name of value.split(',').map((r) => r.trim())) {
    const bit = ROLE_NAMES[name as keyof typeof ROLE_NAMES];
    if (!bit) throw new InvalidArgumentError(`roles: issuer, acquirer or both (issuer,acquirer), got ${name}`);
    bits |= bit;
  }
  return bits;
}

/** The roles of a bit set, in words. */
const roleNames = (bits: number): string =>
  Object.entries(ROLE_NAMES)
    .filter(([, bit]) => bits & bit)
    .map(([name]) => name)
    .join(', ');

/** Writes a file that holds no secret; refuses to overwrite one. */
function writeNew(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw usage(`${path} exists: refusing to overwrite it`);
    throw error;
  }
}

/** The scheme root's key in the store, made there the first time (never overwritten). */
async function rootKey(keys: KeyStore, schemeId: string): Promise<{ secretKey: SecretKey; made: boolean }> {
  try {
    return { secretKey: await keys.root(schemeId), made: false };
  } catch (error) {
    if (!(error instanceof KeyStoreError && error.code === 'missing_key')) throw error;
    return { secretKey: await keys.createRoot(schemeId), made: true };
  }
}

const schemeOptions = (cmd: Command) =>
  cmd
    .option(
      '--scheme-id <id>',
      "the scheme root's id (what certificates name as their issuer)",
      idArg('scheme-id'),
      'scheme-1',
    )
    .requiredOption(
      '--key-store <spec>',
      `where the scheme root's secret key is (apart from every bank's): ${KEY_STORE_HELP}`,
    );

export function schemeCommands(program: Command): void {
  const scheme = program
    .command('scheme')
    .description("a scheme of several banks: the operator's root, certifying each bank's keys and roles");
  helpText(
    scheme,
    `
One root certifies several banks, each its own service and ledger, each an issuer (cards), an
acquirer (merchants) or both. The operator keeps the root key; a bank sends only its public keys
(smartcheck bank init) and gets its certificate back. Step by step: docs/scheme.md.

Example (the operator):
  smartcheck scheme init --key-store file:scheme.keys --out scheme-root.cert
  smartcheck scheme certify --key-store file:scheme.keys --bank-id bank-b --roles issuer,acquirer \\
      --public-keys bank-b.pub --out bank-b.cert`,
  );

  helpText(
    schemeOptions(
      scheme
        .command('init')
        .description("make the scheme root's key in its key store and write the root certificate every bank trusts"),
    )
      .requiredOption('--out <file>', 'the root certificate to write (refuses an existing file)')
      .option('--validity-days <n>', 'validity of the root certificate', int('validity-days', 1, 36_500), 20 * 365)
      .action(async (o: { schemeId: string; keyStore: string; out: string; validityDays: number }) => {
        if (existsSync(o.out)) throw usage(`${o.out} exists: refusing to overwrite it`);
        const keys = await openKeyStoreFor(o.keyStore, { persistent: true });
        try {
          const { secretKey, made } = await rootKey(keys, o.schemeId);
          const root: Root = { id: o.schemeId, secretKey, publicKey: publicKeyOf(secretKey) };
          const now = Math.floor(Date.now() / 1000);
          const certificate = rootCertificate(root, { notBefore: now - DAY_S, notAfter: now + o.validityDays * DAY_S });
          writeNew(o.out, certificate);
          console.log(
            `scheme root ${root.id}: certificate written to ${o.out} (sha256 ${fingerprint(certificate)}), ${made ? 'new key' : 'the key already'} in ${keys.description}`,
          );
        } finally {
          await keys.close();
        }
      }),
    `
Writes: --out (public: give it to every bank of the scheme, which starts with --scheme-root
<file>). The root key goes into the key store under <scheme-id>/root; run again with the same
store, it certifies the same key again (a lost certificate file written anew).`,
  );

  helpText(
    schemeOptions(
      scheme
        .command('certify')
        .description(
          "certify a bank's public keys (from `smartcheck bank init`) with its roles, signed by the scheme root",
        ),
    )
      .requiredOption('--bank-id <id>', 'the bank (the id it serves with, --bank-id)', idArg('bank-id'))
      .requiredOption('--roles <roles>', 'issuer (cards), acquirer (merchants), or issuer,acquirer', bankRoles)
      .requiredOption('--public-keys <file>', "the bank's public keys file (bank init --public-keys-out)")
      .requiredOption('--out <file>', 'the bank certificate to write (refuses an existing file)')
      .option('--validity-days <n>', 'validity of the bank certificate', int('validity-days', 1, 36_500), 5 * 365)
      .action(
        async (o: {
          schemeId: string;
          keyStore: string;
          bankId: string;
          roles: number;
          publicKeys: string;
          out: string;
          validityDays: number;
        }) => {
          const { keys: bankKeys } = readPublicKeys(o.publicKeys);
          const keys = await openKeyStoreFor(o.keyStore, { persistent: true });
          try {
            const secretKey = await keys.root(o.schemeId);
            const root: Root = { id: o.schemeId, secretKey, publicKey: publicKeyOf(secretKey) };
            const now = Math.floor(Date.now() / 1000);
            const notAfter = now + o.validityDays * DAY_S;
            const certificate = certifyBankKeys(root, o.bankId, bankKeys, {
              notBefore: now - DAY_S,
              notAfter,
              bankRoles: o.roles,
            });
            writeNew(o.out, certificate);
            console.log(
              `bank ${o.bankId} certified by ${root.id} as ${roleNames(o.roles)} until ${when(notAfter)}: ${o.out}`,
            );
            // Over the canonical encoding, so it equals what `bank init` printed for the same keys.
            console.log(`public keys sha256 ${fingerprint(encodePublicKeys(bankKeys))}: compare with the bank's`);
          } finally {
            await keys.close();
          }
        },
      ),
    `
Reads: --public-keys (the bank's, over a channel you trust: compare the fingerprint printed here
with the one \`bank init\` printed at the bank). Writes: --out, the bank certificate (public:
send it back to the bank, which starts with --bank-certificate <file>).`,
  );
}
