// Protocol 3 with the card: the shop's Internet slip, the wallet's digital-check request, the card's
// deduction and purse signature, the cardholder's approval, the shop's acceptance.
import { describe, expect, it } from 'vitest';
import { SW } from '../../src/card/apdu.ts';
import { splitInternet } from '../../src/card/purse.ts';
import {
  acceptInternetCheck,
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  verifyInternetCheck,
} from '../../src/protocol/internet.ts';
import { digitalCheck, digitalCheckRequest } from '../../src/protocol/messages.ts';
import { certifyParty } from '../../src/protocol/pki.ts';
import { verifySlip } from '../../src/protocol/pos.ts';
import { Role } from '../../src/protocol/registry.ts';
import { getWorld, load, NOW, newCard, PURSE_ID, slip, VALIDITY } from './support.ts';

let n = 0;
function internetSlip(amount: number) {
  const w = getWorld();
  const terminalNonce = new Uint8Array(16);
  terminalNonce[0] = ++n;
  return makeInternetSlip(w.merchant, {
    merchantId: w.merchant.id,
    amount,
    currency: 'EUR',
    time: NOW,
    terminalId: 'SHOP-WEB',
    terminalTxId: n,
    terminalNonce,
  });
}

describe('INTERNET CHECK', () => {
  it('deducts, signs as the purse, and the cardholder-approved check is accepted by the shop', async () => {
    const w = getWorld();
    const cardholder = certifyParty(w.bank, 'CH-1', Role.Cardholder, VALIDITY);
    const rig = await newCard();
    await load(rig, 10_000);
    const s = internetSlip(2_500);
    const draft = await rig.card.internetCheck(makeCheckRequest(s, 'CH-1'), NOW);
    const check = digitalCheck.decode(draft.payload);
    expect(check).toMatchObject({ purseId: PURSE_ID, serial: 1, amount: 2_500, channel: 1, time: NOW });
    const ctx = { anchors: w.anchors, now: NOW };
    const { envelope, check: approved } = approveInternetCheck(cardholder, { ...draft, check, slip: s }, ctx);
    expect(approved.body.serial).toBe(1);
    const verdict = acceptInternetCheck(w.merchant, envelope, verifySlip(s, ctx), ctx);
    expect(verdict.decision).toBe('accept');
    expect((await rig.card.status()).balance).toBe(7_500);
    // re-issued byte for byte
    expect(splitInternet(await rig.card.reissueCheck(1))).toEqual(draft);
    // a POS purchase after it takes the next serial
    await rig.card.purchase(slip(w, 100), NOW);
    expect((await rig.card.status()).serial).toBe(2);
    expect(() => verifyInternetCheck(new Uint8Array(3), ctx)).toThrow();
  });

  it('refuses a POS slip (311), an Internet slip at PURCHASE (311), a malformed request, leaving the balance', async () => {
    const w = getWorld();
    const rig = await newCard();
    await load(rig, 10_000);
    await expect(rig.card.internetCheck(makeCheckRequest(slip(w, 10), 'CH-1'), NOW)).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 311,
    });
    await expect(rig.card.purchase(internetSlip(10), NOW)).rejects.toMatchObject({ sw: SW.wrongData, code: 311 });
    const wrongType = digitalCheckRequest.encode({ slip: internetSlip(10), cardholderId: 'CH-1' });
    wrongType[2] = 0x04; // key 0 → type 4
    await expect(rig.card.internetCheck(wrongType, NOW)).rejects.toMatchObject({ sw: SW.wrongData, code: 102 });
    await expect(rig.card.internetCheck(Uint8Array.of(0xa1, 0x00, 0x05), NOW)).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 104,
    });
    await expect(rig.card.internetCheck(new Uint8Array(0), NOW)).rejects.toMatchObject({ sw: SW.wrongLength });
    expect(await rig.card.status()).toMatchObject({ balance: 10_000, serial: 0 });
  });
});
