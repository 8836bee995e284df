// The cardholder's own crypto, apart from the card's: the signing key is made here, kept in
// IndexedDB (browser-db.ts, store `keys`) and used only here to approve checks (the Wallet's
// CardholderSigner): it verifies the whole check against the shop's slip and seals it to the
// merchant. In a browser it runs in a Web Worker (cardholder-worker.ts), so the page never holds
// the cardholder's secret; in Node (tests) the same object runs in the caller's thread.

import { ed25519 } from '../../bindings/index.ts';
import { toHex } from '../bytes.ts';
import type { RootKey } from '../net/bank-client.ts';
import { parseCertificate, type TrustAnchors, verifyChain } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { Role } from '../protocol/registry.ts';
import { unblockRequestMessage } from '../protocol/unblock.ts';
import * as db from './browser-db.ts';
import { type ApprovedCheck, approveDraft, type CheckDraft } from './wallet.ts';

interface StoredKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** The bank's certificate of this key, once issued; its subject is the cardholder id. */
  certificate?: Uint8Array;
}

const KEY = 'cardholder';

async function storedKey(): Promise<StoredKey> {
  const key = await db.get<StoredKey>('keys', KEY);
  if (!key) throw new Error('cardholder crypto: no cardholder key yet');
  return key;
}

/** The cardholder's crypto over this origin's IndexedDB; every method is async (as over comlink). */
export function cardholderCrypto() {
  let anchors: TrustAnchors | undefined;
  const trusted = (): TrustAnchors => {
    if (!anchors) throw new Error('cardholder crypto: trust() the bank first');
    return anchors;
  };
  return {
    /** Trusts these roots after checking that the bank's certificate chains to one of them. */
    async trust(roots: RootKey[], bankCertificate: Uint8Array, now: number): Promise<{ bankId: string }> {
      const candidate: TrustAnchors = new Map(roots.map((r) => [r.id, r.publicKey]));
      const bank = verifyChain(bankCertificate, candidate, { now });
      if (bank.role !== Role.Bank) throw new ProtocolError(ErrorCode.WrongRole, `${bank.subject} is not a bank`);
      anchors = candidate;
      return { bankId: bank.subject };
    },

    /** The cardholder's public key; the key pair is made and stored on the first call. */
    async cardholderKey(): Promise<Uint8Array> {
      const existing = await db.get<StoredKey>('keys', KEY);
      if (existing) return existing.publicKey;
      const made = ed25519.keygen();
      // Two tabs starting at once: the first key stored wins, the other is dropped.
      if (!(await db.add('keys', KEY, { secretKey: made.secretKey, publicKey: made.publicKey } satisfies StoredKey)))
        made.secretKey.fill(0);
      return (await storedKey()).publicKey;
    },

    /** Keeps the bank's certificate of the cardholder key, after checking it certifies this key. */
    async certifyCardholder(certificate: Uint8Array, now: number): Promise<{ cardholderId: string }> {
      const key = await storedKey();
      const cert = verifyChain(certificate, trusted(), { now });
      if (cert.role !== Role.Cardholder)
        throw new ProtocolError(ErrorCode.WrongRole, `certificate of ${cert.subject} is not a cardholder's`);
      if (toHex(cert.signingKey) !== toHex(key.publicKey))
        throw new ProtocolError(ErrorCode.SubjectMismatch, 'the certificate is for another key');
      await db.put('keys', KEY, { ...key, certificate });
      return { cardholderId: cert.subject };
    },

    /** The certified cardholder id, or undefined before the bank certified the key. */
    async cardholderId(): Promise<string | undefined> {
      const key = await db.get<StoredKey>('keys', KEY);
      return key?.certificate ? parseCertificate(key.certificate).subject : undefined;
    },

    /**
     * Signs the request for an unblock of the cardholder's purse (unblockRequestMessage): the bank
     * answers it without the back office when this key is the purse's cardholder's, certified.
     */
    async signUnblockRequest(purseId: string, counter: number): Promise<Uint8Array> {
      const key = await storedKey();
      if (!key.certificate) throw new Error('cardholder crypto: the cardholder key is not certified yet');
      return ed25519.sign(unblockRequestMessage(purseId, counter), key.secretKey);
    },

    /**
     * Adds the cardholder's approving signature to the purse's half of the check, verifies the
     * whole check against the slip, and seals it to the merchant's key-exchange key.
     */
    async approve(draft: CheckDraft, now: number): Promise<ApprovedCheck> {
      const key = await storedKey();
      if (!key.certificate) throw new Error('cardholder crypto: the cardholder key is not certified yet');
      return approveDraft({ secretKey: key.secretKey, certificate: key.certificate }, draft, trusted(), now);
    },
  };
}

/** The cardholder's crypto as the wallet calls it: in this thread or in its worker. */
export type CardholderCrypto = ReturnType<typeof cardholderCrypto>;
