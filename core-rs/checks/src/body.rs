//! The digital check body (WIRE.md message type 4), the twin of `digitalCheck.read` in
//! `src/protocol/messages.ts`: type, version, unknown keys, then each field in key order.

use super::cbor::{decode, Value};
use super::fields::{bytes, currency, id, need, one_of, uint};
use super::wire::{
    body_key, byte_length, channel, digital_check as key, message_type, ErrorCode, FORMAT_VERSION,
};

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
    if body.get(body_key::TYPE).and_then(Value::int) != Some(message_type::DIGITAL_CHECK) {
        return Err(ErrorCode::WrongMessageType);
    }
    if body.get(body_key::VERSION).and_then(Value::int) != Some(FORMAT_VERSION) {
        return Err(ErrorCode::UnsupportedVersion);
    }
    if entries
        .iter()
        .any(|(k, _)| !k.int().is_some_and(|k| (0..key::ENTRIES).contains(&k)))
    {
        return Err(ErrorCode::UnknownField);
    }
    let field = |key| need(&body, key).map(Some);
    let slip_hash = bytes::<{ byte_length::HASH }>(field(key::SLIP_HASH)?)?;
    let amount = uint(field(key::AMOUNT)?)?;
    let currency = currency(field(key::CURRENCY)?)?;
    let merchant_id = id(field(key::MERCHANT_ID)?)?;
    let purse_id = id(field(key::PURSE_ID)?)?;
    let serial = uint(field(key::SERIAL)?)?;
    uint(field(key::TIME)?)?;
    let channel = one_of(field(key::CHANNEL)?, &channel::ALL)? as u8;
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
