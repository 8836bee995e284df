// The terminals' default policy, in a module of its own so the CLI can name it without loading the
// merchant library.

/**
 * The age past which the shipped terminals (the CLI's POS and shop, the demo) refuse offline
 * checks until the list is refreshed: one day, as card schemes refresh a terminal's exception file
 * at least daily. A revoked purse can spend offline for at most this long after its revocation;
 * the issuer carries that risk within the certificate's offline limits. Configurable per terminal.
 */
export const DEFAULT_REVOCATION_MAX_AGE_S = 24 * 60 * 60;
