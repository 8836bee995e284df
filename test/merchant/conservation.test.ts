// The terminal dies at every journal append of a day's work (two sales, a cancel, a deposit that
// also sends the cancel's refund to the bank: a death after the bank answered sends it again). After
// each restart and the documented recovery steps (recover the card, finish a held cancel, deposit),
// no value was created or lost: the card's balance plus what the bank credited the merchant is
// exactly what was loaded, and nothing is left pending, held or in an unanswered batch.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckStore, MemoryCheckStore, Terminal } from '../../src/merchant/index.ts';
import { balanceOf, makeWorld, NOW, newCard, openBook, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

class Death extends Error {}

/** A store whose process dies at append number `k` (1-based): that append and every later one fail. */
function dyingAt(inner: CheckStore, k: number): CheckStore & { appends: number } {
  const s = {
    appends: 0,
    load: () => inner.load(),
    append: async (record: Parameters<CheckStore['append']>[0]) => {
      s.appends += 1;
      if (s.appends >= k) throw new Death(`died at append ${s.appends}`);
      return inner.append(record);
    },
  };
  return s;
}

async function day(terminal: Terminal, card: Parameters<Terminal['sell']>[0]): Promise<void> {
  await terminal.sell(card, 11_000);
  await terminal.sell(card, 4_000);
  await terminal.cancelLast(card);
  await terminal.book.deposit();
}

describe('a crash at any append conserves value', () => {
  it('card balance + merchant credit = loaded, whatever append the terminal died at', async () => {
    w.now = NOW;
    // a run with no crash counts the appends
    const probe = dyingAt(new MemoryCheckStore(), Number.POSITIVE_INFINITY);
    const probeRig = await newCard(w, { loadAmount: 50_000 });
    await day(new Terminal(await openBook(w, probe), { terminalId: 'T-PROBE' }), probeRig.card);
    expect(probe.appends).toBe(9); // slip, check, slip, check, refund hold, void, refund deposited, batch, receipt
    const outcomes = new Set<string>();
    for (let k = 1; k <= probe.appends; k++) {
      const rig = await newCard(w, { loadAmount: 50_000 });
      const disk = new MemoryCheckStore();
      const creditedBefore = await w.merchantBalance();
      const terminalId = `T-DIE-${k}`;
      await expect(
        day(new Terminal(await openBook(w, dyingAt(disk, k)), { terminalId }), rig.card),
      ).rejects.toBeInstanceOf(Death);

      // restart: the documented steps
      const terminal = new Terminal(await openBook(w, disk), { terminalId });
      const recovery = await terminal.recover(rig.card);
      if (terminal.book.checks().some((e) => e.status === 'held')) await terminal.cancelLast(rig.card);
      await terminal.book.deposit();

      const credited = (await w.merchantBalance()) - creditedBefore;
      const card = await balanceOf(rig.card);
      expect(card + credited, `died at append ${k}`).toBe(50_000);
      expect(terminal.book.pending()).toEqual([]);
      expect(terminal.book.pendingRefunds()).toEqual([]);
      expect(terminal.book.checks().filter((e) => e.status === 'held')).toEqual([]);
      expect(terminal.interrupted()).toEqual([]);
      outcomes.add(`${recovery.status}/${credited}`);
    }
    // the crashes landed at different points: several distinct end states
    expect(outcomes.size).toBeGreaterThanOrEqual(4);
    expect(await w.invariants()).toEqual([]);
  });
});
