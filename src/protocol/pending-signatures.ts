// Signatures recorded while a message and its certificate chain are walked, then verified together
// in one Ed25519 batch: one shared chain of doublings, so a first-seen card's three signatures (bank
// and purse certificates, the check) cost well under three verifications. The verdict is the one
// of checking each on the spot: whenever the batch fails, or the walk fails after recording some,
// they are checked one by one in order and the first bad one is the error (ZIP-215: the batch and
// single verification accept exactly the same signatures).
import { ed25519 } from '../../bindings/index.ts';
import { type SignatureCheck, verifyNow } from './certificate.ts';

export class PendingSignatures {
  readonly #checks: SignatureCheck[] = [];

  /** Records one signature (walkChain's `check`). */
  readonly defer = (check: SignatureCheck): void => {
    this.#checks.push(check);
  };

  /** Checks the recorded signatures one by one, in order: the first bad one throws its error. */
  inOrder(): void {
    for (const check of this.#checks.splice(0)) verifyNow(check);
  }

  /** Checks them all: in one batch when there are several, else (or on failure) in order. */
  settle(): void {
    if (this.#checks.length < 2) {
      this.inOrder();
      return;
    }
    const items = this.#checks.map(({ message, signature, publicKey }) => ({ message, signature, publicKey }));
    let valid = false;
    try {
      valid = ed25519.verifyBatch(items).valid;
    } catch {
      // Malformed input: the checks in order give it its error, as on the spot.
    }
    if (valid) for (const check of this.#checks.splice(0)) check.good?.();
    else this.inOrder();
  }
}
