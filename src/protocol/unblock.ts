// What the issuing bank signs to unblock a purse's PIN (the card's RESET RETRY COUNTER). The bank
// signs it and the card checks it, so it belongs to neither: both import it from here.
import { concat, u64, utf8 } from '../bytes.ts';
import { UNBLOCK_DOMAIN, UNBLOCK_REQUEST_DOMAIN } from './registry.ts';

const DOMAIN = utf8(UNBLOCK_DOMAIN);

/** The signed message: domain, purse id (UTF-8), then the counter as 8 bytes big-endian. */
export function unblockMessage(purseId: string, counter: number): Uint8Array {
  return concat(DOMAIN, utf8(purseId), u64(counter));
}

/**
 * The cardholder's request for an unblock of its purse, signed with its certified approval key:
 * its domain, purse id (UTF-8), then the counter as 8 bytes big-endian.
 */
export function unblockRequestMessage(purseId: string, counter: number): Uint8Array {
  return concat(utf8(UNBLOCK_REQUEST_DOMAIN), utf8(purseId), u64(counter));
}
