// The protocol layer's public entry: message types and codecs, certificates and PKI, envelopes,
// and each protocol step as a pure function. Explicit names, so that what is public is a decision.
// The low-level building blocks (CBOR codec, field kinds, COSE_Key helpers) are reachable as the
// namespaces `cbor`, `fields` and `coseKeys`.
import * as cbor from './cbor.ts';
import * as fields from './fields.ts';
import * as coseKeys from './keys.ts';

export type { AcceptancePolicy, LimitCheck, Verdict } from './acceptance.ts';
export { acceptCheck } from './acceptance.ts';
export type { CheckOutcome, DepositContext } from './capture.ts';
// Protocol 5: payment capture (protocol level)
export { depositedCheckHash, makeDeposit, makeReceipt, openDeposit, verifyReceipt } from './capture.ts';
export type { Certificate, CertificateClaims, ChainOptions, OfflineLimits, TrustAnchors } from './certificate.ts';
export { CertificateCache, issueCertificate, parseCertificate, revocationKey, verifyChain } from './certificate.ts';
export type { MultiSigned, Sign1, SignedPart } from './cose.ts';
// Signatures, certificates, PKI, envelopes
export {
  assembleMulti,
  PROTECTED_EDDSA,
  parseMulti,
  parseSign1,
  sign1,
  signedHash,
  signedPayload,
  signMulti,
  signPart,
} from './cose.ts';
export { open as openEnvelope, seal as sealEnvelope } from './envelope.ts';
export { ErrorCode, errorDescriptions, fail, ProtocolError } from './errors.ts';
export { addAmounts } from './fields.ts';
export type { FraudEvidence, FraudProofContext } from './fraud.ts';
export { makeFraudProof, verifyFraudProof } from './fraud.ts';
export type { GuaranteeCase, GuaranteePolicy, GuaranteeUse } from './guarantee.ts';
export {
  DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S,
  DEFAULT_GUARANTEE_POLICY,
  DEFAULT_REVOCATION_MAX_AGE_S,
  depositedCheckBody,
  guaranteeRefusal,
  revokedTooLong,
} from './guarantee.ts';
export type { InternetCheckDraft, InternetVerdict, PurseSigningContext, VerifiedInternetCheck } from './internet.ts';
// Protocol 3: spending on the Internet
export {
  acceptInternetCheck,
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
  verifyInternetCheck,
} from './internet.ts';
export type {
  LastPurchase,
  LoadRequestContext,
  LoadRequestInput,
  OutstandingLoad,
  PurseLoadState,
  PurseState,
} from './load.ts';
// Protocol 1: loading value
export {
  APPLIED_TOKENS_MAX,
  applyValueToken,
  issueValueToken,
  newPurseState,
  OUTSTANDING_LOADS_MAX,
  openLoadRequest,
  purseProfile,
  requestValue,
} from './load.ts';
export type { MessageCodec } from './message.ts';
export { defineMessage } from './message.ts';
export type {
  CaptureOutcome,
  CaptureReceipt,
  DepositBatch,
  DigitalCheck,
  DigitalCheckRequest,
  Envelope,
  FraudProof,
  Presentment,
  PresentmentAnswer,
  PurchaseSlip,
  Refund,
  RevocationList,
  SettlementLine,
  SettlementStatement,
  ValueToken,
  ValueTokenRequest,
} from './messages.ts';
export {
  captureReceipt,
  depositBatch,
  digitalCheck,
  digitalCheckRequest,
  envelope,
  fraudProof,
  presentment,
  presentmentAnswer,
  purchaseSlip,
  refund,
  revocationList,
  settlementStatement,
  valueToken,
  valueTokenRequest,
} from './messages.ts';
export type { Party, Root, Validity } from './pki.ts';
export { anchorsOf, certifyBank, certifyParty, createRoot, newSerial } from './pki.ts';
// Protocol 2: spending at a POS, and the terminal's verdict
export {
  checkFor,
  checkMatchesSlip,
  hashOf,
  makeSlip,
  makeVerifiedSlip,
  signCheck,
  verifyCheck,
  verifySlip,
} from './pos.ts';
export type { OpenedPresentment } from './presentment.ts';
// Presentment between banks of a scheme (src/bank/interbank/)
export {
  checkIssuer,
  makePresentment,
  makePresentmentAnswer,
  openPresentment,
  sealPresentment,
  verifyPresentment,
  verifyPresentmentAnswer,
} from './presentment.ts';
export { applyRefund, makeRefund, openRefund, recordPurchase, sealRefund, verifyDepositedRefund } from './refund.ts';
export type { SealedStep } from './registry.ts';
// Registry, errors, messages
export {
  AMOUNT_MAX,
  BankRole,
  Channel,
  Claim,
  Cose,
  EnvelopeInfo,
  FORMAT_VERSION,
  MessageType,
  Role,
} from './registry.ts';
export type { RenewalReason } from './renewal.ts';
// Certificate renewal
export { RENEWAL_WINDOW_S, renewalDue, renewalMessage, verifyRenewalRequest } from './renewal.ts';
export type { RevocationListInput } from './revocation.ts';
// Revocation, refunds, fraud proofs
export { makeRevocationList, newerList, revokedSet, verifyRevocationList } from './revocation.ts';
// Interbank settlement statements, and the scheme's check of a round
export type { PresentedReference, StatementOffer } from './settlement.ts';
export {
  checkAgrees,
  encodeOffer,
  makeStatement,
  mirror,
  openOffer,
  referencesHash,
  verifyStatement,
} from './settlement.ts';
export type { SchemePositions } from './settlement-scheme.ts';
export { checkSchemePositions } from './settlement-scheme.ts';
export type { KeySigner, Signer, Verified, VerifyContext } from './signed.ts';
export { signMessage, verifyMessage } from './signed.ts';
export type { SecretKey, SigningKey } from './signing-key.ts';
export { publicKeyOf, signWith } from './signing-key.ts';
export { unblockMessage } from './unblock.ts';
export { cbor, coseKeys, fields };
