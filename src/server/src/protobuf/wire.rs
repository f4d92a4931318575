//! The protobuf wire format: varints, tags and length-delimited fields.
//!
//! [`Reader`] walks one message's bytes and yields `(field number, value)` pairs without knowing
//! the schema; `decode.rs` gives them meaning. Every read is bounds-checked, so truncated or
//! hostile input ends in a [`WireError`], never a panic. [`Writer`] writes fields the way Go's
//! `proto.Marshal` writes proto3 fields: a scalar equal to its default is left out, a message
//! is written whenever it is set (even empty).

use std::fmt;

/// One field's value as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireValue<'a> {
    /// Wire type 0: int32, int64, uint32, uint64, bool (and enums, unused by Kubernetes).
    Varint(u64),
    /// Wire type 1: double, fixed64, sfixed64.
    Fixed64(u64),
    /// Wire type 2: string, bytes, an embedded message, a map entry or a packed repeated field.
    Bytes(&'a [u8]),
    /// Wire types 3–4: a proto2 group; only ever skipped.
    Group,
    /// Wire type 5: float, fixed32, sfixed32.
    Fixed32(u32),
}

impl WireValue<'_> {
    /// The name of the wire type, for error messages.
    pub fn wire_type_name(&self) -> &'static str {
        match self {
            WireValue::Varint(_) => "varint",
            WireValue::Fixed64(_) => "fixed64",
            WireValue::Bytes(_) => "length-delimited",
            WireValue::Group => "group",
            WireValue::Fixed32(_) => "fixed32",
        }
    }
}

/// Why bytes are not a protobuf message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The input ends inside a tag, a varint, a fixed value or a length-delimited field.
    UnexpectedEof,
    /// A varint longer than ten bytes.
    VarintOverflow,
    /// Wire type 6 or 7, which protobuf does not define.
    IllegalWireType(u8),
    /// A tag with field number 0, or a number above 2^29-1.
    IllegalFieldNumber(u64),
    /// An end-group marker without its start-group, or groups nested too deep.
    BadGroup,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::UnexpectedEof => f.write_str("unexpected EOF"),
            WireError::VarintOverflow => f.write_str("integer overflow"),
            WireError::IllegalWireType(t) => write!(f, "illegal wireType {t}"),
            WireError::IllegalFieldNumber(n) => write!(f, "illegal field number {n}"),
            WireError::BadGroup => f.write_str("unbalanced group"),
        }
    }
}

/// How deep proto2 groups (skipped, never used by Kubernetes) may nest.
const MAX_GROUP_DEPTH: usize = 32;

/// A cursor over one message's bytes.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// A base-128 varint.
    pub fn varint(&mut self) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = *self.buf.get(self.pos).ok_or(WireError::UnexpectedEof)?;
            self.pos += 1;
            // The tenth byte may only carry the top bit of a 64-bit value.
            if i == 9 && byte > 1 {
                return Err(WireError::VarintOverflow);
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::UnexpectedEof)?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or(WireError::UnexpectedEof)?;
        self.pos = end;
        Ok(bytes)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn fixed32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.fixed::<4>()?))
    }

    pub fn fixed64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.fixed::<8>()?))
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next field, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, WireError> {
        if self.is_empty() {
            return Ok(None);
        }
        let (number, wire_type) = self.tag()?;
        let value = match wire_type {
            0 => WireValue::Varint(self.varint()?),
            1 => WireValue::Fixed64(self.fixed64()?),
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| WireError::UnexpectedEof)?;
                WireValue::Bytes(self.take(len)?)
            }
            3 => {
                self.skip_group(number, 0)?;
                WireValue::Group
            }
            4 => return Err(WireError::BadGroup),
            5 => WireValue::Fixed32(self.fixed32()?),
            t => return Err(WireError::IllegalWireType(t)),
        };
        Ok(Some((number, value)))
    }

    fn tag(&mut self) -> Result<(u32, u8), WireError> {
        let tag = self.varint()?;
        let number = tag >> 3;
        // The low three bits are the wire type.
        let wire_type = (tag & 7) as u8;
        match u32::try_from(number) {
            Ok(n) if n != 0 && n < (1 << 29) => Ok((n, wire_type)),
            _ => Err(WireError::IllegalFieldNumber(number)),
        }
    }

    /// Skips to the end-group marker of group `number` (proto2 groups: unknown to Kubernetes).
    fn skip_group(&mut self, number: u32, depth: usize) -> Result<(), WireError> {
        if depth >= MAX_GROUP_DEPTH {
            return Err(WireError::BadGroup);
        }
        loop {
            if self.is_empty() {
                return Err(WireError::UnexpectedEof);
            }
            let (n, wire_type) = self.tag()?;
            match wire_type {
                0 => {
                    self.varint()?;
                }
                1 => {
                    self.fixed64()?;
                }
                2 => {
                    let len =
                        usize::try_from(self.varint()?).map_err(|_| WireError::UnexpectedEof)?;
                    self.take(len)?;
                }
                3 => self.skip_group(n, depth + 1)?,
                4 if n == number => return Ok(()),
                4 => return Err(WireError::BadGroup),
                5 => {
                    self.fixed32()?;
                }
                t => return Err(WireError::IllegalWireType(t)),
            }
        }
    }
}

/// Builds one message's bytes, field by field, in the order they are written.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // Seven bits at a time, low first, with the continuation bit set.
            self.buf.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.buf.push(value as u8);
    }

    fn tag(&mut self, number: u32, wire_type: u8) {
        self.varint((u64::from(number) << 3) | u64::from(wire_type));
    }

    /// A length-delimited field, written even when empty (an embedded message that is set).
    pub fn message(&mut self, number: u32, bytes: &[u8]) {
        self.tag(number, 2);
        self.varint(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
    }

    /// A proto3 `string`; the empty string is the default and is left out.
    pub fn string(&mut self, number: u32, value: &str) {
        if !value.is_empty() {
            self.message(number, value.as_bytes());
        }
    }

    /// An element of a `repeated string`: written even when empty.
    pub fn repeated_string(&mut self, number: u32, value: &str) {
        self.message(number, value.as_bytes());
    }

    /// A proto3 `bool`; `false` is left out.
    pub fn bool(&mut self, number: u32, value: bool) {
        if value {
            self.oneof_bool(number, value);
        }
    }

    /// A `bool` member of a oneof, written whatever its value (the oneof is set).
    pub fn oneof_bool(&mut self, number: u32, value: bool) {
        self.tag(number, 0);
        self.varint(u64::from(value));
    }

    /// A proto3 `int64`; zero is left out, a negative value takes ten bytes.
    pub fn int64(&mut self, number: u32, value: i64) {
        if value != 0 {
            self.tag(number, 0);
            // Two's complement, as Go's protowire writes int64.
            self.varint(value as u64);
        }
    }

    /// A proto3 `double`; `+0.0` is left out, `-0.0` is not (Go compares the sign bit too).
    pub fn double(&mut self, number: u32, value: f64) {
        if value.to_bits() != 0 {
            self.tag(number, 1);
            self.buf.extend_from_slice(&value.to_bits().to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(buf: &[u8]) -> Result<Vec<(u32, WireValue<'_>)>, WireError> {
        let mut r = Reader::new(buf);
        let mut out = Vec::new();
        while let Some(f) = r.next_field()? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn reads_each_wire_type() {
        // 1: varint 150, 2: "hi", 3: fixed32 1, 4: fixed64 2 — the protobuf documentation's 150.
        let buf = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1d, 1, 0, 0, 0, 0x21, 2, 0, 0, 0, 0, 0, 0,
            0,
        ];
        assert_eq!(
            fields(&buf),
            Ok(vec![
                (1, WireValue::Varint(150)),
                (2, WireValue::Bytes(b"hi")),
                (3, WireValue::Fixed32(1)),
                (4, WireValue::Fixed64(2)),
            ])
        );
    }

    #[test]
    fn negative_int32_is_a_ten_byte_varint() {
        let buf = [
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(fields(&buf), Ok(vec![(1, WireValue::Varint(u64::MAX))]));
    }

    #[test]
    fn skips_groups() {
        // Field 5 as a group holding field 1 = 1, then field 2 = 7.
        let buf = [0x2b, 0x08, 0x01, 0x2c, 0x10, 0x07];
        assert_eq!(
            fields(&buf),
            Ok(vec![(5, WireValue::Group), (2, WireValue::Varint(7))])
        );
        assert_eq!(fields(&[0x2b, 0x08, 0x01]), Err(WireError::UnexpectedEof));
        assert_eq!(fields(&[0x2c]), Err(WireError::BadGroup));
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert_eq!(fields(&[0x08]), Err(WireError::UnexpectedEof));
        assert_eq!(fields(&[0x12, 0x05, b'a']), Err(WireError::UnexpectedEof));
        assert_eq!(fields(&[0x0e]), Err(WireError::IllegalWireType(6)));
        assert_eq!(fields(&[0x00]), Err(WireError::IllegalFieldNumber(0)));
        let mut long = vec![0x08];
        long.extend([0xff; 10]);
        long.push(0x01);
        assert_eq!(fields(&long), Err(WireError::VarintOverflow));
        let huge_len = [
            0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(fields(&huge_len), Err(WireError::UnexpectedEof));
    }

    #[test]
    fn writes_what_the_reader_reads() {
        let mut w = Writer::new();
        w.int64(1, 150);
        w.string(2, "hi");
        w.string(3, "");
        w.bool(4, false);
        w.bool(5, true);
        w.oneof_bool(6, false);
        w.double(7, 0.0);
        w.double(8, -0.0);
        w.message(9, &[]);
        w.repeated_string(10, "");
        w.int64(11, -1);
        let bytes = w.into_bytes();
        assert_eq!(
            fields(&bytes),
            Ok(vec![
                (1, WireValue::Varint(150)),
                (2, WireValue::Bytes(b"hi")),
                (5, WireValue::Varint(1)),
                (6, WireValue::Varint(0)),
                (8, WireValue::Fixed64((-0.0f64).to_bits())),
                (9, WireValue::Bytes(b"")),
                (10, WireValue::Bytes(b"")),
                (11, WireValue::Varint(u64::MAX)),
            ])
        );
        // The protobuf documentation's 150, and a tag above fifteen takes two bytes.
        assert_eq!(&bytes[..3], &[0x08, 0x96, 0x01]);
        let mut w = Writer::new();
        w.string(31, "x");
        assert_eq!(w.into_bytes(), vec![0xfa, 0x01, 0x01, b'x']);
    }
}
