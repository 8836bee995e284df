// The error registry and its generated document: codes are unique, registered codes keep their
// numbers, and docs/errors.md lists them (test/protocol/wire.test.ts checks it is not stale).
import { describe, expect, it } from 'vitest';
import { renderErrorDoc } from '../../scripts/wire/error-doc.ts';
import { ErrorCode, errorDescriptions, ProtocolError } from '../../src/protocol/errors.ts';

const entries = Object.entries(ErrorCode) as [string, number][];

describe('error registry', () => {
  it('codes are unique, and every code has exactly one description', () => {
    const codes = entries.map(([, c]) => c);
    expect(new Set(codes).size).toBe(codes.length);
    expect(
      Object.keys(errorDescriptions)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...codes].sort((a, b) => a - b));
    for (const code of codes) expect(errorDescriptions[code as ErrorCode].length, String(code)).toBeGreaterThan(10);
    for (const description of Object.values(errorDescriptions)) expect(description).not.toMatch(/\n/);
  });

  it('codes are integers from 100 to 499, in groups of a hundred', () => {
    for (const [name, code] of entries) {
      expect(Number.isInteger(code) && code >= 100 && code < 500, `${name} = ${code}`).toBe(true);
    }
  });

  it('codes registered so far keep their numbers (a code is never renumbered; new ones may be added)', () => {
    const registered: Record<string, number> = {
      MalformedCbor: 100,
      NotDeterministic: 101,
      WrongMessageType: 102,
      UnsupportedVersion: 103,
      MissingField: 104,
      UnknownField: 105,
      BadField: 106,
      BadCoseStructure: 107,
      UnsupportedAlgorithm: 108,
      AmountOverflow: 109,
      BadSignature: 200,
      BadCertificateSignature: 201,
      UnknownIssuer: 202,
      CertificateExpired: 203,
      CertificateNotYetValid: 204,
      WrongRole: 205,
      Revoked: 206,
      IssuerMismatch: 207,
      MissingCertificate: 208,
      SubjectMismatch: 209,
      WrongMerchant: 300,
      SlipMismatch: 301,
      ReplayedNonce: 302,
      NonceMismatch: 303,
      CurrencyMismatch: 304,
      LimitExceeded: 305,
      InsufficientFunds: 306,
      StaleRevocationList: 307,
      DuplicateCheck: 308,
      CloneDetected: 309,
      NotAFraudProof: 310,
      WrongChannel: 311,
      TokenAlreadyApplied: 312,
      MessageExpired: 313,
      WrongPurse: 314,
      EnvelopeOpenFailed: 400,
      WrongEnvelopeStep: 401,
    };
    for (const [name, code] of Object.entries(registered))
      expect((ErrorCode as Record<string, number>)[name], name).toBe(code);
  });

  it('a ProtocolError says its description, and its detail after it', () => {
    expect(new ProtocolError(ErrorCode.Revoked).message).toBe(errorDescriptions[206]);
    const e = new ProtocolError(ErrorCode.Revoked, 'purse-a');
    expect(e.message).toBe(`${errorDescriptions[206]}: purse-a`);
    expect(e).toMatchObject({ name: 'ProtocolError', code: 206, detail: 'purse-a' });
  });
});

describe('docs/errors.md', () => {
  it('lists every code once, under its hundred, with its name and meaning', () => {
    const doc = renderErrorDoc();
    for (const [name, code] of entries) {
      const rows = doc.split('\n').filter((l) => l.startsWith(`| ${code} |`));
      expect(rows, String(code)).toEqual([
        `| ${code} | \`${name}\` | ${errorDescriptions[code as ErrorCode].replace(/\|/g, '\\|')} |`,
      ]);
      const heading = doc.lastIndexOf('\n## ', doc.indexOf(rows[0] as string));
      expect(doc.slice(heading + 4, heading + 7)).toBe(`${Math.floor(code / 100)}xx`);
    }
    expect(doc.match(/^## \dxx: /gm)).toEqual(['## 1xx: ', '## 2xx: ', '## 3xx: ', '## 4xx: ']);
  });

  it('titles the groups from the registry comments (a group without one: "other")', () => {
    const doc = renderErrorDoc('// 1xx: the bytes are not a well-formed message\n// 2xx: signatures\n');
    expect(doc).toContain('## 1xx: The bytes are not a well-formed message');
    expect(doc).toContain('## 2xx: Signatures\n');
    expect(doc).toContain('## 3xx: other');
  });
});
