// What a check says, read from its bytes (POS COSE_Sign1, or the card's Internet answer: payload ‖
// purse signature), for the simulator's ground truth about checks no merchant holds.
import { sha256 } from '../../bindings/index.ts';
import { splitInternet } from '../../src/card/purse.ts';
import { decode, Tag, Tagged } from '../../src/protocol/cbor.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { hex } from './merchant.ts';

export interface CheckFacts {
  hash: string;
  purseId: string;
  serial: number;
  amount: number;
}

/** The facts of a check re-issued by a card (REISSUE CHECK answers the POS check or the Internet payload ‖ signature). */
export function factsOfReissued(bytes: Uint8Array): CheckFacts {
  let payload: Uint8Array;
  try {
    const value = decode(bytes);
    payload =
      value instanceof Tagged && value.tag === Tag.Sign1 ? parseSign1(value).payload : splitInternet(bytes).payload;
  } catch {
    payload = splitInternet(bytes).payload;
  }
  const body = digitalCheck.decode(payload);
  return { hash: hex(sha256(payload)), purseId: body.purseId, serial: body.serial, amount: body.amount };
}
