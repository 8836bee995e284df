// Cardholder enrolment without the back office: the cardholder's device (the browser wallet,
// `smartcheck card issue`) sends its purse's public keys, and optionally its approval key, with the
// one-time activation code the bank issued for that cardholder (activation.ts). The code decides
// the cardholder and the limits; the device chooses the purse id. In one transaction: the code
// is locked, the purse certified and inserted, the approval key certified, the code marked used
// and the enrolment recorded. The same enrolment asked again (same code, purse id and keys: the
// device lost the answer) is answered with the stored certificates; any other use of a used code
// is refused (320).
import { equalBytes, toBase64 } from '../../bytes.ts';
import { parseCertificate } from '../../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../../protocol/errors.ts';
import { Role } from '../../protocol/registry.ts';
import { bytea, type Database, type Queryable } from '../db.ts';
import { type Bank, certifyKeys, certifyPurse, insertPurse } from '../issuing.ts';
import { recordAction } from './actions.ts';
import { lockActivationCode, useActivationCode } from './activation.ts';

export interface Enrolment {
  activationCode: string;
  purseId: string;
  signingKey: Uint8Array;
  kxKey: Uint8Array;
  /** The cardholder's own approval key (Internet payments), certified with the purse. */
  cardholderKey?: Uint8Array;
}

export interface Enrolled {
  purseId: string;
  cardholderId: string;
  certificate: Uint8Array;
  cardholderCertificate?: Uint8Array;
}

export async function enrol(
  db: Database,
  bank: Bank,
  o: Enrolment & { now: number; request?: Record<string, unknown> },
): Promise<Enrolled> {
  return db.transaction(async (tx) => {
    const grant = await lockActivationCode(tx, o.activationCode, o.now);
    if (grant.usedBy !== null) return replay(tx, grant.usedBy, grant.cardholderId, o);
    const certificate = certifyPurse(bank, o.purseId, { ...o, cardholderId: grant.cardholderId, limits: grant.limits });
    await insertPurse(tx, db.distributed, o.purseId, grant.cardholderId, grant.limits.currency, certificate);
    const cardholderCertificate = o.cardholderKey
      ? certifyKeys(bank, grant.cardholderId, Role.Cardholder, { signingKey: o.cardholderKey }, o)
      : undefined;
    if (cardholderCertificate)
      await tx.query('update cardholders set certificate = $2 where cardholder_id = $1', [
        grant.cardholderId,
        bytea(cardholderCertificate),
      ]);
    await useActivationCode(tx, grant, o.purseId, o.now);
    await recordAction(
      tx,
      { credentialId: null, name: `cardholder ${grant.cardholderId}`, ...(o.request ? { request: o.request } : {}) },
      'enrol',
      o.purseId,
      {
        cardholderId: grant.cardholderId,
        limits: grant.limits,
        signingKey: toBase64(o.signingKey),
        kxKey: toBase64(o.kxKey),
        ...(o.cardholderKey ? { cardholderKey: toBase64(o.cardholderKey) } : {}),
      },
    );
    return {
      purseId: o.purseId,
      cardholderId: grant.cardholderId,
      certificate,
      ...(cardholderCertificate ? { cardholderCertificate } : {}),
    };
  });
}

async function replay(tx: Queryable, usedBy: string, cardholderId: string, o: Enrolment): Promise<Enrolled> {
  const used = () => new ProtocolError(ErrorCode.ActivationCodeUsed, 'the activation code was already used');
  if (usedBy !== o.purseId) throw used();
  const [row] = await tx.query<{ purse: Uint8Array; cardholder: Uint8Array | null }>(
    'select p.certificate as purse, c.certificate as cardholder from purses p join cardholders c using (cardholder_id) where p.purse_id = $1',
    [usedBy],
  );
  if (!row) throw used();
  const purse = parseCertificate(new Uint8Array(row.purse));
  if (!equalBytes(purse.signingKey, o.signingKey) || !purse.kxKey || !equalBytes(purse.kxKey, o.kxKey)) throw used();
  const cardholder = row.cardholder ? new Uint8Array(row.cardholder) : undefined;
  if (o.cardholderKey && !(cardholder && equalBytes(parseCertificate(cardholder).signingKey, o.cardholderKey)))
    throw used();
  return {
    purseId: usedBy,
    cardholderId,
    certificate: purse.bytes,
    ...(o.cardholderKey && cardholder ? { cardholderCertificate: cardholder } : {}),
  };
}
