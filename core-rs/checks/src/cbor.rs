//! A strict reader for WIRE.md's deterministic CBOR subset, the twin of `src/protocol/cbor.ts`:
//! integers up to 2^53 - 1 in magnitude, byte and text strings, arrays, maps with integer or text
//! keys, and tags 18 / 98. Anything else, any non-shortest head, any map key not strictly after the
//! previous one (bytewise, on the encodings) and any trailing byte is refused while reading, with
//! the same code and in the same reading order as the TypeScript decoder.

use super::wire::{tag, ErrorCode, AMOUNT_MAX, MAX_DEPTH};

/// A decoded item. Strings borrow from the input.
#[derive(Debug)]
pub(crate) enum Value<'a> {
    /// Major types 0 and 1, in [-(2^53 - 1), 2^53 - 1].
    Int(i64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Array(Vec<Value<'a>>),
    /// Entries in encoded (strictly increasing) key order.
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// A tag with its item and the complete encoding of both.
    Tag {
        tag: u64,
        value: Box<Value<'a>>,
        bytes: &'a [u8],
    },
}

impl<'a> Value<'a> {
    /// The value under integer key `key`, when this is a map that has it.
    pub(crate) fn get(&self, key: i64) -> Option<&Value<'a>> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Int(n) if *n == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn bytes(&self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&'a str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Decodes exactly one deterministic item; anything else is `MalformedCbor` or `NotDeterministic`.
pub(crate) fn decode(bytes: &[u8]) -> Result<Value<'_>, ErrorCode> {
    let mut reader = Reader { buf: bytes, pos: 0 };
    let value = reader.item(0)?;
    if reader.pos != bytes.len() {
        return Err(ErrorCode::MalformedCbor);
    }
    Ok(value)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Result<u8, ErrorCode> {
        let b = *self.buf.get(self.pos).ok_or(ErrorCode::MalformedCbor)?;
        self.pos += 1;
        Ok(b)
    }

    /// A head: (major type, argument), the argument in its shortest form and at most 2^53 - 1.
    fn head(&mut self) -> Result<(u8, u64), ErrorCode> {
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        if major == 7 {
            // floats, simple values and break: refused before the shortest-form rule (which would
            // call a float 0.0, f90000, "not deterministic")
            return Err(ErrorCode::MalformedCbor);
        }
        let (size, min) = match info {
            0..=23 => return Ok((major, u64::from(info))),
            24 => (1, 24),
            25 => (2, 0x100),
            26 => (4, 0x1_0000),
            27 => (8, 0x1_0000_0000),
            _ => return Err(ErrorCode::MalformedCbor), // 28-30 reserved, 31 indefinite
        };
        if size > self.remaining() {
            return Err(ErrorCode::MalformedCbor);
        }
        let mut n = 0u64;
        for _ in 0..size {
            n = (n << 8) | u64::from(self.byte()?);
        }
        if n > AMOUNT_MAX {
            return Err(ErrorCode::MalformedCbor);
        }
        if n < min {
            return Err(ErrorCode::NotDeterministic);
        }
        Ok((major, n))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], ErrorCode> {
        let n = usize::try_from(n).map_err(|_| ErrorCode::MalformedCbor)?;
        let end = self.pos.checked_add(n).ok_or(ErrorCode::MalformedCbor)?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or(ErrorCode::MalformedCbor)?;
        self.pos = end;
        Ok(out)
    }

    /// A count of items that cannot exceed the bytes left (each item takes at least one).
    fn count(&self, n: u64) -> Result<usize, ErrorCode> {
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(ErrorCode::MalformedCbor),
        }
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, ErrorCode> {
        if depth > MAX_DEPTH {
            return Err(ErrorCode::MalformedCbor);
        }
        let start = self.pos;
        let (major, n) = self.head()?;
        match major {
            // n <= 2^53 - 1 fits an i64 either way.
            0 => Ok(Value::Int(n as i64)),
            1 if n == AMOUNT_MAX => Err(ErrorCode::MalformedCbor),
            1 => Ok(Value::Int(-1 - n as i64)),
            2 => Ok(Value::Bytes(self.take(n)?)),
            3 => {
                let raw = self.take(n)?;
                core::str::from_utf8(raw)
                    .map(Value::Text)
                    .map_err(|_| ErrorCode::MalformedCbor)
            }
            4 => {
                let n = self.count(n)?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(out))
            }
            5 => {
                let n = self.count(n)?;
                let mut out = Vec::with_capacity(n);
                let mut previous: Option<&'a [u8]> = None;
                for _ in 0..n {
                    let key_start = self.pos;
                    let key = self.item(depth + 1)?;
                    if !matches!(key, Value::Int(_) | Value::Text(_)) {
                        return Err(ErrorCode::MalformedCbor);
                    }
                    let key_bytes = self
                        .buf
                        .get(key_start..self.pos)
                        .ok_or(ErrorCode::MalformedCbor)?;
                    if previous.is_some_and(|p| p >= key_bytes) {
                        return Err(ErrorCode::NotDeterministic);
                    }
                    previous = Some(key_bytes);
                    let value = self.item(depth + 1)?;
                    out.push((key, value));
                }
                Ok(Value::Map(out))
            }
            6 => {
                if n != tag::SIGN1 && n != tag::SIGN {
                    return Err(ErrorCode::MalformedCbor);
                }
                let value = Box::new(self.item(depth + 1)?);
                let bytes = self
                    .buf
                    .get(start..self.pos)
                    .ok_or(ErrorCode::MalformedCbor)?;
                Ok(Value::Tag {
                    tag: n,
                    value,
                    bytes,
                })
            }
            _ => Err(ErrorCode::MalformedCbor), // major 7 is refused in `head`
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> Option<ErrorCode> {
        decode(bytes).err()
    }

    #[test]
    fn shortest_forms_only() {
        assert!(decode(&[0x17]).is_ok());
        assert_eq!(code(&[0x18, 0x17]), Some(ErrorCode::NotDeterministic));
        assert!(decode(&[0x18, 0x18]).is_ok());
        assert_eq!(code(&[0x19, 0x00, 0xff]), Some(ErrorCode::NotDeterministic));
        assert_eq!(code(&[0x5f]), Some(ErrorCode::MalformedCbor));
        assert_eq!(code(&[0x1c]), Some(ErrorCode::MalformedCbor));
        // major type 7 is refused whatever its argument
        assert_eq!(code(&[0xf8, 0x10]), Some(ErrorCode::MalformedCbor));
        assert_eq!(code(&[0xf9, 0x00, 0x00]), Some(ErrorCode::MalformedCbor));
        assert_eq!(code(&[0xf4]), Some(ErrorCode::MalformedCbor));
        assert_eq!(code(&[0xff]), Some(ErrorCode::MalformedCbor));
    }

    #[test]
    fn integer_range() {
        let max = [0x1b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(decode(&max), Ok(Value::Int(n)) if n == AMOUNT_MAX as i64));
        assert_eq!(
            code(&[0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0]),
            Some(ErrorCode::MalformedCbor)
        );
        let min = [0x3b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
        assert!(matches!(decode(&min), Ok(Value::Int(n)) if n == -(AMOUNT_MAX as i64)));
        assert_eq!(
            code(&[0x3b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Some(ErrorCode::MalformedCbor)
        );
        assert_eq!(
            code(&[0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Some(ErrorCode::MalformedCbor)
        );
    }

    #[test]
    fn maps_sorted_and_keys_simple() {
        assert!(decode(&[0xa2, 0x01, 0x00, 0x02, 0x00]).is_ok());
        assert_eq!(
            code(&[0xa2, 0x02, 0x00, 0x01, 0x00]),
            Some(ErrorCode::NotDeterministic)
        );
        assert_eq!(
            code(&[0xa2, 0x01, 0x00, 0x01, 0x00]),
            Some(ErrorCode::NotDeterministic)
        );
        assert_eq!(code(&[0xa1, 0x40, 0x00]), Some(ErrorCode::MalformedCbor));
        // an integer key sorts before a text key (major type 0 < 3)
        assert!(decode(&[0xa2, 0x01, 0x00, 0x61, 0x61, 0x00]).is_ok());
    }

    #[test]
    fn lengths_tags_depth_trailing() {
        assert_eq!(
            code(&[0x9a, 0xff, 0xff, 0xff, 0xff]),
            Some(ErrorCode::MalformedCbor)
        );
        assert_eq!(
            code(&[0x5b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Some(ErrorCode::MalformedCbor)
        );
        assert_eq!(code(&[0xc1, 0x00]), Some(ErrorCode::MalformedCbor));
        assert!(decode(&[0xd2, 0x80]).is_ok());
        assert_eq!(code(&[0x00, 0x00]), Some(ErrorCode::MalformedCbor));
        assert_eq!(code(&[0x62, 0xc3, 0x28]), Some(ErrorCode::MalformedCbor));
        let mut deep = vec![0x81; 16];
        deep.push(0x00);
        assert!(decode(&deep).is_ok());
        let mut deeper = vec![0x81; 17];
        deeper.push(0x00);
        assert_eq!(code(&deeper), Some(ErrorCode::MalformedCbor));
    }
}
