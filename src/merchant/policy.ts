// The terminals' default policy, in a module of its own so the CLI can name it without loading the
// merchant library. The constant is the guarantee's (src/protocol/guarantee.ts): the bank pays a
// clone's check only when the terminal kept its revocation list within this age.

export { DEFAULT_REVOCATION_MAX_AGE_S } from '../protocol/guarantee.ts';
