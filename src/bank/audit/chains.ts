// The audit meets the same purse certificate in every check that purse signed: verifyChain's
// answer is kept per certificate (its bytes) with the time span in which every certificate of its
// chain is valid. Within that span verifyChain gives that same answer at any time (its other
// checks, signatures, roles, issuers, do not depend on the time, and the audit passes no
// revocations), so only a check dated outside it is verified again, for its exact error.
import {
  type Certificate,
  type CertificateCache,
  parseCertificate,
  type TrustAnchors,
  verifyChain,
} from '../../protocol/certificate.ts';

/** Distinct chains kept; past it the memo starts again (a bank with more purses re-verifies some). */
const MAX_CHAINS = 65_536;

export class ChainMemo {
  readonly #chains = new Map<string, { leaf: Certificate; from: number; to: number }>();

  constructor(
    readonly anchors: TrustAnchors,
    readonly cache: CertificateCache,
  ) {}

  /** verifyChain(leafBytes, anchors, { now, verifiedCache }), remembered per certificate. */
  verify(leafBytes: Uint8Array, now: number): Certificate {
    // The bytes as a string, one character per byte (natively: this runs once per check).
    const key = Buffer.from(leafBytes.buffer, leafBytes.byteOffset, leafBytes.byteLength).toString('latin1');
    const known = this.#chains.get(key);
    if (known && known.from <= now && now <= known.to) return known.leaf;
    const leaf = verifyChain(leafBytes, this.anchors, { now, verifiedCache: this.cache });
    let from = leaf.notBefore;
    let to = leaf.notAfter;
    for (let c = leaf; c.issuerCertificate; ) {
      c = parseCertificate(c.issuerCertificate);
      from = Math.max(from, c.notBefore);
      to = Math.min(to, c.notAfter);
    }
    if (this.#chains.size >= MAX_CHAINS) this.#chains.clear();
    this.#chains.set(key, { leaf, from, to });
    return leaf;
  }
}
