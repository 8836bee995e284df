// The CLI's exit codes and the one place that turns any error into (code, one-line message).
// A script branches on the code; a person reads the message. Every refusal below changes
// nothing (the libraries refuse before they write), so the same command can be run again.
//
//   code  meaning                                     examples
//   0     ok
//   1     unexpected failure (a bug, an I/O error)    disk full, a card that stopped mid-command
//   2     usage: bad arguments or missing files       unknown option, amount "abc", no card file
//   3     refused by the card                         wrong PIN, PIN blocked, insufficient funds on the card
//   4     refused by the protocol, bank or shop       revoked or expired certificate, tampered card
//                                                     file or journal, duplicate, unknown cardholder,
//                                                     insufficient funds in the bank account
//   5     bank or shop unreachable                    connection refused, timeout

import { SW } from '../card/apdu.ts';
import { CardError } from '../card/purse.ts';
import { EepromMismatchError } from '../card/store.ts';
import { TerminalError } from '../merchant/errors.ts';
import { JournalCorruptError } from '../merchant/store.ts';
import { BankRejectedError, BankUnreachableError } from '../net/bank-link.ts';
import { ShopRejectedError, ShopUnreachableError } from '../net/shop-link.ts';
import { type ErrorCode, errorDescriptions, ProtocolError } from '../protocol/errors.ts';
import { WalletError } from '../wallet/errors.ts';

export const Exit = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  card: 3,
  refused: 4,
  unreachable: 5,
} as const);
export type Exit = (typeof Exit)[keyof typeof Exit];

/** The table above, for `smartcheck --help` and the README. */
export const EXIT_TABLE = `Exit codes:
  0  ok
  1  unexpected failure (a bug, an I/O error)
  2  usage: bad arguments, a missing or existing file
  3  refused by the card: wrong PIN, PIN blocked, insufficient funds on the card, card limits
  4  refused by the protocol, bank or shop: revoked, expired, tampered file or message,
     duplicate, unknown party, insufficient funds in the bank account
  5  bank or shop unreachable (nothing was decided: run the same command again)`;

/** An error the CLI raises itself, with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exit: Exit,
    message: string,
  ) {
    super(message);
  }
}

export const usage = (message: string) => new CliError(Exit.usage, message);
export const refused = (message: string) => new CliError(Exit.refused, message);

const describe = (code: number | string | undefined): string =>
  typeof code === 'number' && code in errorDescriptions ? errorDescriptions[code as ErrorCode] : '';

/** What the card said, in words. */
export function cardMessage(error: CardError): string {
  const sw = error.sw;
  if ((sw & 0xfff0) === SW.pinTries) {
    const left = sw & 0x0f;
    return left === 0
      ? 'wrong PIN: the PIN is now blocked (the bank must unblock it)'
      : `wrong PIN (${left} ${left === 1 ? 'try' : 'tries'} left)`;
  }
  if (sw === SW.blocked) return 'the card is blocked (PIN tries used up)';
  if (sw === SW.insufficientFunds) return 'insufficient funds on the card';
  if (sw === SW.limitExceeded)
    return `the card's offline limit would be exceeded${error.code ? ` (${describe(error.code)})` : ''}`;
  if (sw === SW.securityNotSatisfied) return 'the card needs the PIN first';
  if (sw === SW.conditionsNotSatisfied) return `the card refused: ${error.command} is not possible in its state`;
  const why = describe(error.code);
  return `the card refused ${error.command}${why ? `: ${why} (error ${error.code})` : ` (${error.message})`}`;
}

/** Any error → exit code and a one-line message. */
export function classify(error: unknown): { exit: Exit; message: string } {
  if (error instanceof CliError) return { exit: error.exit, message: error.message };
  if (error instanceof CardError) return { exit: Exit.card, message: cardMessage(error) };
  if (error instanceof EepromMismatchError)
    return { exit: Exit.refused, message: `card file refused (tampered or not a card): ${error.message}` };
  if (error instanceof JournalCorruptError)
    return { exit: Exit.refused, message: `terminal journal refused (tampered or damaged): ${error.message}` };
  if (error instanceof BankUnreachableError || error instanceof ShopUnreachableError)
    return { exit: Exit.unreachable, message: error.message };
  if (error instanceof BankRejectedError || error instanceof ShopRejectedError) {
    const who = error instanceof BankRejectedError ? 'bank' : 'shop';
    if (error.kind === 'bank' && error.code === 'bad_request')
      return { exit: Exit.usage, message: `${who} refused the request: ${error.message}` };
    if (error.kind === 'protocol' && error.code === 306)
      return {
        exit: Exit.refused,
        message: `insufficient funds in the bank account: ${plain(error.message).replace(/^\([^)]*\) [^:]*: /, '')}`,
      };
    return { exit: Exit.refused, message: `${who} refused: ${plain(error.message)}` };
  }
  if (error instanceof TerminalError) return terminal(error);
  if (error instanceof WalletError) {
    const cause = (error as { cause?: unknown }).cause;
    if (
      error.code === 'payment_incomplete' &&
      (cause instanceof ShopUnreachableError || cause instanceof BankUnreachableError)
    )
      return { exit: Exit.unreachable, message: error.message };
    if (error.code === 'bad_request' || error.code === 'no_cardholder')
      return { exit: Exit.usage, message: error.message };
    return { exit: Exit.refused, message: error.message };
  }
  if (error instanceof ProtocolError)
    return { exit: Exit.refused, message: `refused (${error.code}): ${error.message}` };
  if (error instanceof RangeError && /amount/.test(error.message)) return { exit: Exit.usage, message: error.message };
  return { exit: Exit.failure, message: (error as Error)?.message ?? String(error) };
}

function terminal(error: TerminalError): { exit: Exit; message: string } {
  const cause = (error as { cause?: unknown }).cause;
  switch (error.kind) {
    case 'card_refused':
      return { exit: Exit.card, message: cause instanceof CardError ? cardMessage(cause) : error.message };
    case 'wrong_card':
      return { exit: Exit.card, message: error.message };
    case 'bank_unreachable':
      return { exit: Exit.unreachable, message: error.message };
    case 'card_interrupted':
      return { exit: Exit.failure, message: error.message };
    case 'stale_revocation_list':
      return {
        exit: Exit.refused,
        message: `${error.message} (\`smartcheck pos refresh <dir>\` fetches the bank's list)`,
      };
    case 'check_refused': {
      const code = error.code;
      return {
        exit: Exit.refused,
        message: `${error.message}${code !== undefined && !error.message.includes(describe(code)) ? ` [${code}: ${describe(code)}]` : ''}`,
      };
    }
    default:
      return { exit: Exit.refused, message: error.message };
  }
}

/** Drops the "bank refused (422 protocol/306):" head the clients put on the server's message. */
const plain = (message: string) => message.replace(/^(bank|shop) refused \((\d+) ([^)]*)\): /, '($3) ');
