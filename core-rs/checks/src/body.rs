//! The digital check body (WIRE.md message type 4), the twin of `digitalCheck.read` in
//! `src/protocol/messages.ts`: type, version, unknown keys, then each field in key order.

use super::cbor::{decode, Value};
use super::code::ErrorCode;
use super::fields::{bytes, currency, id, need, one_of, uint};

const TYPE_DIGITAL_CHECK: i64 = 4;
const FORMAT_VERSION: i64 = 1;
/// Channels: 0 POS, 1 Internet.
const CHANNELS: [u64; 2] = [0, 1];

/// The fields of a check body the bank needs (time is read and checked but not kept).
pub(crate) struct CheckBody<'a> {
    pub slip_hash: &'a [u8; 32],
    pub amount: u64,
    pub currency: &'a str,
    pub merchant_id: &'a str,
    pub purse_id: &'a str,
    pub serial: u64,
    pub channel: u8,
}

pub(crate) fn read_check_body(payload: &[u8]) -> Result<CheckBody<'_>, ErrorCode> {
    let body = decode(payload)?;
    let Value::Map(entries) = &body else {
        return Err(ErrorCode::BadField);
    };
    if body.get(0).and_then(Value::int) != Some(TYPE_DIGITAL_CHECK) {
        return Err(ErrorCode::WrongMessageType);
    }
    if body.get(1).and_then(Value::int) != Some(FORMAT_VERSION) {
        return Err(ErrorCode::UnsupportedVersion);
    }
    if entries
        .iter()
        .any(|(k, _)| !k.int().is_some_and(|k| (0..=9).contains(&k)))
    {
        return Err(ErrorCode::UnknownField);
    }
    let field = |key| need(&body, key).map(Some);
    let slip_hash = bytes::<32>(field(2)?)?;
    let amount = uint(field(3)?)?;
    let currency = currency(field(4)?)?;
    let merchant_id = id(field(5)?)?;
    let purse_id = id(field(6)?)?;
    let serial = uint(field(7)?)?;
    uint(field(8)?)?; // time
    let channel = one_of(field(9)?, &CHANNELS)? as u8;
    Ok(CheckBody {
        slip_hash,
        amount,
        currency,
        merchant_id,
        purse_id,
        serial,
        channel,
    })
}
