//! Batch verification of digital checks (WIRE.md message type 4): the bank's hot path. POS checks
//! (COSE_Sign1, signed by the purse) and Internet checks (message type 6's content: a COSE_Sign,
//! tag 98, signed by the purse and then the cardholder) alike, in one batch.
//!
//! [`verify_checks`] takes many signed checks, parses each (strict deterministic CBOR, COSE_Sign1,
//! the CWT certificate chain it carries), applies every check that needs no signature, and then
//! verifies all signatures of the batch in one Ed25519 batch ([`smartcheck_core::ed25519::verify_batch`],
//! ZIP-215, bisecting to the bad items): each distinct certificate's signature once, plus each
//! check's own; a certificate signature this thread (a pool worker) found good in an earlier batch
//! is not verified again (`verified.rs`). Per check it returns the fields the bank needs or the protocol error code, the
//! same verdict as `verifyCheck` in `src/protocol/pos.ts` (`verifyInternetCheck` in
//! `src/protocol/internet.ts` for a COSE_Sign) (WIRE.md "Order of checks" fixes which
//! code a check with several faults gets). `test/vectors/protocol/checks.json` pins both.
//!
//! Nothing here panics on input: every index is checked, and malformed input is an error code.
//!
//! A crate and a WebAssembly module of its own (`smartcheck_checks`), apart from the primitives
//! (`smartcheck-core`, linked as an rlib): only the bank's workers and the wallet's verifier worker
//! load it. Its module exports `verify_checks` and the `RevocationSet` it takes.

mod body;
mod cbor;
mod cert;
mod chain;
mod cose;
mod fields;
mod packed;
mod revoked;
mod verified;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod wire;

pub use packed::{verify_packed, verify_packed_with, PackedBatch, PackedInput};
pub use revoked::Revoked;
pub use wire::ErrorCode;

use smartcheck_core::ed25519::{self, BatchItem};
use smartcheck_core::error::CoreError;
use smartcheck_core::hash::sha256;
use std::borrow::Cow;
use std::collections::HashMap;

/// What a verifier trusts and knows: the root keys, the time, the revoked certificates.
pub struct Context<'a> {
    anchors: Vec<(&'a [u8], &'a [u8; 32])>,
    now: u64,
    revoked: Cow<'a, Revoked>,
}

impl<'a> Context<'a> {
    /// Trust anchors as (root subject id, Ed25519 public key) pairs (the first of equal ids wins),
    /// `now` in Unix seconds, and the revoked certificates, each qualified by its issuer as
    /// `issuer/subject` (`revocationKey` in `src/protocol/certificate.ts`): a bank's list revokes
    /// only what that bank certified. An entry without exactly one '/' (see
    /// [`split_revocation_key`]) matches no certificate.
    pub fn new(
        anchors: Vec<(&'a [u8], &'a [u8; 32])>,
        now: u64,
        revoked: impl IntoIterator<Item = &'a [u8]>,
    ) -> Self {
        Context {
            anchors,
            now,
            revoked: Cow::Owned(Revoked::new(revoked)),
        }
    }

    /// The same with a revoked set built earlier and kept (a bank's, across batches).
    pub fn with_revoked(
        anchors: Vec<(&'a [u8], &'a [u8; 32])>,
        now: u64,
        revoked: &'a Revoked,
    ) -> Self {
        Context {
            anchors,
            now,
            revoked: Cow::Borrowed(revoked),
        }
    }

    fn is_revoked(&self, issuer: &str, subject: &str) -> bool {
        self.revoked.contains(issuer.as_bytes(), subject.as_bytes())
    }

    fn anchor(&self, id: &str) -> Option<&'a [u8; 32]> {
        self.anchors
            .iter()
            .find(|(a, _)| *a == id.as_bytes())
            .map(|(_, key)| *key)
    }
}

/// Splits a revocation key `issuer/subject` into its two non-empty parts; `None` unless it has
/// exactly one '/' (no identifier contains one).
pub fn split_revocation_key(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = key.iter().position(|&b| b == b'/')?;
    let (issuer, rest) = key.split_at(at);
    let subject = rest.get(1..)?;
    (!issuer.is_empty() && !subject.is_empty() && !subject.contains(&b'/'))
        .then_some((issuer, subject))
}

/// An accepted check: the fields the bank books, borrowed from the check's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFields<'a> {
    /// The paying purse (equal to its certificate's subject).
    pub purse_id: &'a str,
    /// The purse's serial for this check (≥ 1).
    pub serial: u64,
    /// Amount in the currency's minor unit (≤ 2^53 - 1).
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// The payee.
    pub merchant_id: &'a str,
    /// SHA-256 of the purchase slip the check answers.
    pub slip_hash: [u8; 32],
    /// 0 POS, 1 Internet.
    pub channel: u8,
    /// SHA-256 of the check's payload (the signed body bytes): its identity, the same whatever
    /// certificate chain the unsigned header carries (WIRE.md § Hashes).
    pub check_hash: [u8; 32],
    /// What the purse's certificate certified per check, if it carries offline limits. Not
    /// applied here (the verdict stays `verifyCheck`'s): the bank refuses a check above it at
    /// capture (ErrorCode::AboveCertifiedLimit), as the card and the terminal do before signing
    /// and accepting.
    pub limit: Option<PerCheckLimit<'a>>,
}

/// A certificate's certified maximum per check (its `limits` claim), in that currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerCheckLimit<'a> {
    /// ISO 4217 code of the limits.
    pub currency: &'a str,
    /// Minor units (≤ 2^53 - 1).
    pub max_per_check: u64,
}

/// The verdict on one check.
pub type Verdict<'a> = Result<CheckFields<'a>, ErrorCode>;

/// Verifies `checks` (each the complete bytes of a signed check) and returns one verdict per check,
/// in order. The only error is a batch too large to index (more than 2^32 signatures).
pub fn verify_checks<'a>(
    checks: &[&'a [u8]],
    context: &Context<'a>,
) -> Result<Vec<Verdict<'a>>, CoreError> {
    // 1. Walk every check; collect its signatures, and what it comes to if they verify.
    let mut jobs = Vec::new();
    let mut walked = Vec::with_capacity(checks.len());
    for check in checks {
        let first = jobs.len();
        let outcome = chain::walk(check, context, &mut jobs);
        walked.push((first..jobs.len(), outcome));
    }

    // 2. One batch item per check signature and per distinct certificate this thread has not
    //    found good before (verified.rs); a job's slot is None when its certificate was.
    let mut slot_of_job: Vec<Option<usize>> = Vec::with_capacity(jobs.len());
    let mut slot_of_certificate: HashMap<&[u8], Option<usize>> = HashMap::new();
    let mut certificate_slots = Vec::new();
    let mut messages = Vec::new();
    let mut items_at: Vec<(core::ops::Range<usize>, &[u8], &[u8; 32])> =
        Vec::with_capacity(jobs.len());
    for job in &jobs {
        let mut digest = None;
        if let Some(certificate) = job.certificate {
            if let Some(slot) = slot_of_certificate.get(certificate) {
                slot_of_job.push(*slot);
                continue;
            }
            let d = verified::digest(certificate, job.public_key);
            if verified::known_good(&d) {
                slot_of_certificate.insert(certificate, None);
                slot_of_job.push(None);
                continue;
            }
            digest = Some(d);
        }
        let start = messages.len();
        if job.multi {
            cose::append_to_be_signed_multi(job.payload, &mut messages);
        } else {
            cose::append_to_be_signed(job.payload, &mut messages);
        }
        let slot = items_at.len();
        items_at.push((start..messages.len(), job.signature, job.public_key));
        if let (Some(certificate), Some(d)) = (job.certificate, digest) {
            slot_of_certificate.insert(certificate, Some(slot));
            certificate_slots.push((slot, d));
        }
        slot_of_job.push(Some(slot));
    }
    let items: Vec<BatchItem<'_>> = items_at
        .iter()
        .map(|(range, signature, public_key)| BatchItem {
            message: messages.get(range.clone()).unwrap_or_default(),
            signature,
            public_key: public_key.as_slice(),
        })
        .collect();
    let mut bad = vec![false; items.len()];
    for index in ed25519::verify_batch(&items)? {
        if let Some(b) = bad.get_mut(index as usize) {
            *b = true;
        }
    }
    for (slot, digest) in certificate_slots {
        if bad.get(slot) == Some(&false) {
            verified::remember(digest);
        }
    }

    // 3. A check fails with its first bad signature, else with its outcome.
    Ok(walked
        .into_iter()
        .map(|(range, outcome)| {
            let failed = jobs
                .get(range.clone())
                .unwrap_or_default()
                .iter()
                .zip(slot_of_job.get(range).unwrap_or_default())
                .find(|(_, slot)| slot.is_some_and(|s| bad.get(s).copied().unwrap_or(true)));
            if let Some((job, _)) = failed {
                return Err(job.code);
            }
            let (body, payload, limit) = outcome?;
            Ok(CheckFields {
                purse_id: body.purse_id,
                serial: body.serial,
                amount: body.amount,
                currency: body.currency,
                merchant_id: body.merchant_id,
                slip_hash: *body.slip_hash,
                channel: body.channel,
                check_hash: sha256(payload),
                limit,
            })
        })
        .collect())
}
