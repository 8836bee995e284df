// A scheme: one root certifying several banks, each running its own service, ledger and keys,
// each an issuer (cards), an acquirer (merchants) or both, as its certificate's claim bankRoles
// says. The scheme operator holds the root key; a bank hands it only its public keys and gets its
// certificate back (createBank's `scheme`). A bank alone under its own root needs none of this.

import type { TrustAnchors } from '../protocol/certificate.ts';
import { anchorsOf, certifyBankKeys, createRoot, type Root, type Validity } from '../protocol/pki.ts';
import { BankRole } from '../protocol/registry.ts';

/** A bank's public keys, for the scheme root to certify. */
export interface BankPublicKeys {
  signingKey: Uint8Array;
  kxKey: Uint8Array;
}

/** How a bank joins a scheme: the root it trusts, and the operator certifying its keys. */
export interface SchemeMembership {
  root: Pick<Root, 'id' | 'publicKey'>;
  /** The bank certificate over these keys, with the bank's roles (claim bankRoles). */
  certify(bankId: string, keys: BankPublicKeys, validity: Validity): Uint8Array;
}

export interface Scheme {
  root: Root;
  /** What terminals, cards and banks of the scheme trust: the scheme root. */
  anchors: TrustAnchors;
  /** Membership for a bank with these roles (a bit set of BankRole; default both). */
  member(bankRoles?: number): SchemeMembership;
}

/** A scheme root held in process (tests, the demo); `smartcheck scheme` keeps its root in a key store. */
export function createScheme(id: string, seed?: Uint8Array): Scheme {
  const root = createRoot(id, seed);
  return {
    root,
    anchors: anchorsOf(root),
    member: (bankRoles = BankRole.Issuer | BankRole.Acquirer) => ({
      root: { id: root.id, publicKey: root.publicKey },
      certify: (bankId, keys, validity) => certifyBankKeys(root, bankId, keys, { ...validity, bankRoles }),
    }),
  };
}
