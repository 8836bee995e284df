// The bank's public entry (`smartcheck/bank`, Node only: PostgreSQL or PGlite, fastify): open a
// database, migrate it, choose its key store, create or load the bank, issue (cardholders, merchants,
// purses, funding), make back-office credentials, run it as a BankService behind the HTTP API, and
// check it (ledger invariants, audit). The capture and settlement steps stay internal: the service
// is how a bank runs them.

// The service verifies checks in a pool of its own: the protocol layer's verifier, re-exported
// so that a bank needs one import.
export type { VerifierPool, VerifierPoolOptions } from '../protocol/verifier/index.ts';
export { createInThreadVerifier, createVerifierPool } from '../protocol/verifier/index.ts';
export type { AuditReport, Finding, FindingKind } from './audit/index.ts';
export { audit, FINDING_KINDS, formatFinding } from './audit/index.ts';
export type { Actor } from './back-office/actions.ts';
export { IN_PROCESS } from './back-office/actions.ts';
export type { BackOfficeAction, Credential, Role as CredentialRole } from './back-office/credentials.ts';
export { createCredential, listCredentials, RIGHTS, ROLES, revokeCredential } from './back-office/credentials.ts';
export type { Database, Isolation, Queryable, Row } from './db.ts';
export { openDatabase } from './db.ts';
export type { BankErrorCode } from './errors.ts';
export { BankError } from './errors.ts';
export type { PairClose } from './interbank/exchange.ts';
export type { Bank, PublicBank } from './issuing.ts';
export {
  createBank,
  fund,
  loadBank,
  loadPublicBank,
  personalisePurse,
  personalisePurseKeys,
  registerCardholder,
  registerCardholderKey,
  registerMerchant,
  registerMerchantKeys,
  revoke,
  rotateKeys,
} from './issuing.ts';
// Where the bank's secret keys live (never in the database): an encrypted file, a PKCS#11 token,
// or memory for a ledger in memory; openKeyStore takes the CLI's `--key-store` spec.
export { exportKeys } from './keys/export.ts';
export { type FileSecret, fileKeyStore } from './keys/file.ts';
export { memoryKeyStore } from './keys/memory.ts';
export { KEY_STORE_HELP, openKeyStore } from './keys/open.ts';
export { type Pkcs11Options, pkcs11KeyStore } from './keys/pkcs11.ts';
export type { ExportedKeys, GenerationKeys, KeyStore, KeyStoreErrorCode } from './keys/store.ts';
export { KeyStoreError } from './keys/store.ts';
export type { AccountKind, InvariantReport, TransactionKind } from './ledger.ts';
export { balance, checkInvariants, LedgerError } from './ledger.ts';
export { migrate } from './migrate.ts';
export type { PeerBank, PeerRefresh } from './relay.ts';
export type { BankPublicKeys, Scheme, SchemeMembership } from './scheme.ts';
export { createScheme } from './scheme.ts';
export type { ServerOptions } from './server.ts';
export { buildAdminServer, buildServer, LOOPBACK_ORIGIN } from './server.ts';
export type { BankInfo, Metrics, PublicKeys, ServiceOptions } from './service.ts';
export { BankService } from './service.ts';
