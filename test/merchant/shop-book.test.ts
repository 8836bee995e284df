// The book as the web shop uses it (protocol 3 on the shop's side): acceptance with the book's
// policy, record, replay refused, deposit of the two-signature Internet check.
import { describe, expect, it } from 'vitest';
import { fund, registerCardholder } from '../../src/bank/issuing.ts';
import {
  acceptInternetCheck,
  approveInternetCheck,
  ErrorCode,
  makeCheckRequest,
  makeInternetSlip,
  type Party,
  verifySlip,
} from '../../src/protocol/index.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { balanceOf, makeWorld, NOW, newCard, openBook } from './support.ts';

describe('the book in a web shop', () => {
  it('accepts an Internet check with the book policy, records it, refuses it again, deposits it', async () => {
    const w = await makeWorld();
    const cardholder = (await registerCardholder(w.service.db, w.bank, 'carol', { now: NOW, certify: true })) as Party;
    await fund(w.service.db, 'carol', 1_000_000, 'EUR');
    const rig = await newCard(w, { loadAmount: 50_000, cardholderId: 'carol' });
    const book = await openBook(w);
    await book.refreshRevocationList();

    const slip = makeInternetSlip(w.merchant, {
      merchantId: w.merchant.id,
      amount: 3_300,
      currency: 'EUR',
      time: NOW,
      terminalId: 'WEB',
      terminalTxId: 1,
      terminalNonce: crypto.getRandomValues(new Uint8Array(16)),
    });
    const draft = await rig.card.internetCheck(makeCheckRequest(slip, 'carol'), NOW);
    const context = { anchors: w.bank.anchors, now: NOW };
    const { envelope } = approveInternetCheck(
      cardholder,
      { ...draft, check: digitalCheck.decode(draft.payload), slip },
      context,
    );
    const verifiedSlip = verifySlip(slip, context);

    const verdict = acceptInternetCheck(book.merchant, envelope, verifiedSlip, book.acceptancePolicy());
    expect(verdict.decision).toBe('accept');
    const entry = await book.record(verdict.check!);
    expect(entry).toMatchObject({
      status: 'pending',
      record: { purseId: rig.purseId, amount: 3_300, channel: 1, terminalId: '' },
    });
    expect(acceptInternetCheck(book.merchant, envelope, verifiedSlip, book.acceptancePolicy())).toMatchObject({
      decision: 'refuse',
      code: ErrorCode.DuplicateCheck,
    });

    const before = await w.merchantBalance();
    const report = await book.deposit();
    expect(report.outcomes.map((o) => [o.status, o.code, o.credited])).toEqual([['deposited', 0, 3_300]]);
    expect(await w.merchantBalance()).toBe(before + 3_300);
    expect(await balanceOf(rig.card)).toBe(46_700);
    expect(await w.invariants()).toEqual([]);
  });
});
