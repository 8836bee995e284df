// The command table docs/apdu.md is generated from (src/protocol/apdu-commands.ts) against the
// applet: every command it lists is one the applet knows under that class, needs SELECT first, and
// answers its documented header; and every INS the applet dispatches is in the table.
import { describe, expect, it } from 'vitest';
import { command, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { COMMANDS } from '../../src/protocol/apdu-commands.ts';
import { Cla } from '../../src/protocol/purse-apdu.ts';
import { newCard } from './support.ts';

const swOf = async (card: EmulatedCard, apdu: Uint8Array) => parseResponse(await card.transmit(apdu)).sw;
const p = (v: number | string) => (typeof v === 'number' ? v : 0);

describe('the APDU command table', () => {
  it('lists every INS of the applet', () => {
    expect(new Set(COMMANDS.map((c) => c.ins))).toEqual(new Set(Object.values(Ins)));
  });
  it('each command is known under its class and refused under the other (6E00)', async () => {
    const card = await EmulatedCard.create();
    for (const c of COMMANDS) {
      const other = c.cla === Cla.iso ? Cla.proprietary : Cla.iso;
      const sw = await swOf(card, command(other, c.ins, p(c.p1), p(c.p2)));
      expect(sw, c.name).toBe(c.ins === Ins.getResponse ? SW.insNotSupported : SW.claNotSupported);
    }
  });
  it('each command but SELECT and GET RESPONSE needs SELECT (6985 before it)', async () => {
    const card = await EmulatedCard.create();
    for (const c of COMMANDS.filter((c) => c.ins !== Ins.select && c.ins !== Ins.getResponse))
      expect(await swOf(card, command(c.cla, c.ins, p(c.p1), p(c.p2), Uint8Array.of(0)))).toBe(
        SW.conditionsNotSatisfied,
      );
  });
  it('every status word a command lists is one the card answers somewhere (no word made up)', async () => {
    const { SW: words } = await import('../../src/protocol/purse-apdu.ts');
    const known = new Set<number>(Object.values(words));
    for (const c of COMMANDS) for (const [w] of c.sw) expect(known.has(w), `${c.name} ${w.toString(16)}`).toBe(true);
    const r = await newCard();
    expect(await swOf(r.emulator, command(0x00, Ins.getResponse, 0, 0, undefined, true))).toBe(
      SW.conditionsNotSatisfied,
    );
  });
});
