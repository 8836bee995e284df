// Fuzz: COSE_Sign1 / COSE_Sign (cose.ts), signed messages (signed.ts, through the slip a card
// verifies), CWT certificates and their chains (certificate.ts), and the Internet check (type 6).
import { parseCertificate, verifyChain } from '../../src/protocol/certificate.ts';
import { parseMulti, parseSign1, signedHash } from '../../src/protocol/cose.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyInternetCheck } from '../../src/protocol/internet.ts';
import { verifySlip } from '../../src/protocol/pos.ts';
import { fuzzFamily } from './support/harness.ts';
import { certificates, check, context, internetCheck, pki, slipBytes } from './support/world.ts';

fuzzFamily('cose', [
  {
    name: 'cose.parseSign1',
    seeds: [check, slipBytes, ...certificates, internetCheck],
    budget: 6_000,
    run: (b) => void parseSign1(b),
  },
  {
    name: 'cose.parseMulti',
    seeds: [internetCheck, internetCheck, internetCheck, check],
    budget: 6_000,
    run: (b) => void parseMulti(b, 2),
  },
  { name: 'cose.signedHash', seeds: [check, internetCheck, slipBytes], budget: 3_000, run: (b) => void signedHash(b) },
  {
    name: 'signed.verifySlip',
    seeds: [slipBytes, slipBytes, slipBytes, check],
    budget: 4_000,
    run: (b) => void verifySlip(b, context),
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadSignature,
    ],
  },
  {
    name: 'certificate.parseCertificate',
    seeds: [...certificates, check],
    budget: 6_000,
    run: (b) => void parseCertificate(b),
  },
  {
    name: 'certificate.verifyChain',
    seeds: certificates,
    budget: 4_000,
    run: (b) => void verifyChain(b, pki.anchors, { now: context.now, revoked: new Set([`${pki.bank.id}/purse-x`]) }),
    reaches: [ErrorCode.MalformedCbor, ErrorCode.BadCoseStructure, ErrorCode.BadCertificateSignature],
    sanity: () => verifyChain(pki.purse.certificate, pki.anchors, context),
  },
  {
    name: 'internet.verifyInternetCheck',
    seeds: [internetCheck, internetCheck, internetCheck, check],
    budget: 3_000,
    run: (b) => void verifyInternetCheck(b, context),
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadSignature,
    ],
    sanity: () => verifyInternetCheck(internetCheck, context),
  },
]);
