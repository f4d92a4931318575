//! One protobuf message to the JSON Go's `encoding/json` would print for the same Go value.
//!
//! [`Decoder::message`] walks the wire format ([`super::wire`]) with the schema table
//! ([`super::schema`]). The output is what the client would have sent as `application/json`:
//!
//! * Field names are the Go json tags; inline fields (`VolumeSource` in `Volume`) are merged.
//! * Go's protobuf code writes every non-pointer field, zero or not, and pointer, slice and map
//!   fields only when set. So a field on the wire is printed unless it is a non-pointer scalar
//!   with `omitempty` and a zero value; a pointer is printed even when zero (`replicas: 0`).
//! * A field not on the wire is Go's zero value: dropped under `omitempty`/`omitzero` where Go
//!   drops it, otherwise `null` (nil pointer, slice, map) or the zero scalar or struct.
//! * Scalars: int32/int64 as numbers, bytes as base64, strings with invalid UTF-8 replaced by
//!   U+FFFD byte by byte (as Go's encoder does). Repeated fields are arrays (packed or not),
//!   maps objects with sorted keys.
//! * Well-known types keep their Go JSON form: `Time` (RFC 3339, seconds, `null` when zero),
//!   `MicroTime` (six fractional digits), `Duration` (`1h2m3s`), `Quantity` (its string),
//!   `IntOrString` (number or string), `RawExtension` and `FieldsV1` (their raw JSON),
//!   `ExtraValue`-like slices (arrays).
//!
//! Unknown field numbers are skipped, as Go's generated code does. For a field repeated on the
//! wire, the last scalar wins and embedded messages merge (their bytes are concatenated).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Number, Value};

use super::schema::{Cardinality, Field, FieldType, Message, Scalar, Schema, WellKnown};
use super::wire::{Reader, WireError, WireValue};

/// How deep messages may nest; deeper input is rejected rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// `time.Time{}` as Unix seconds: Go's zero time, printed as `null`.
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// `resource.ErrFormatWrong`, for a quantity whose string is empty.
const QUANTITY_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// What went wrong, and where: the JSON path of the field being decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Innermost segment first (segments are added while unwinding).
    path: Vec<String>,
    what: String,
}

impl DecodeError {
    fn new(what: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            what: what.into(),
        }
    }

    fn at(mut self, segment: &str) -> Self {
        self.path.push(segment.to_string());
        self
    }
}

impl From<WireError> for DecodeError {
    fn from(e: WireError) -> Self {
        DecodeError::new(e.to_string())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.what);
        }
        // `spec.limits[0].max[cpu]`, as Kubernetes writes field paths.
        let mut path = String::new();
        for segment in self.path.iter().rev() {
            if !path.is_empty() && !segment.starts_with('[') {
                path.push('.');
            }
            path.push_str(segment);
        }
        write!(f, "{path}: {}", self.what)
    }
}

type Result<T> = std::result::Result<T, DecodeError>;

/// Converts messages of one schema.
pub struct Decoder<'s> {
    schema: &'s Schema,
}

impl<'s> Decoder<'s> {
    pub fn new(schema: &'s Schema) -> Self {
        Self { schema }
    }

    /// The JSON form of `bytes`, an encoded `msg`.
    pub fn message(&self, msg: &Message, bytes: &[u8], depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::new(format!(
                "messages nested deeper than {MAX_DEPTH}"
            )));
        }
        if let Some(well_known) = msg.well_known {
            return self.well_known(well_known, msg, bytes, depth);
        }
        let mut seen: Vec<Vec<WireValue<'_>>> = vec![Vec::new(); msg.fields.len()];
        let mut reader = Reader::new(bytes);
        while let Some((number, value)) = reader.next_field()? {
            if let Some(i) = msg.field_index(number) {
                seen[i].push(value);
            }
        }
        let mut out = Map::new();
        for (field, values) in msg.fields.iter().zip(&seen) {
            let value = if values.is_empty() {
                self.absent(field, depth)
            } else {
                self.present(field, values, depth)
            }
            .map_err(|e| e.at(field_label(field)))?;
            match value {
                Some(Value::Object(inner)) if field.inline => out.extend(inner),
                Some(_) if field.inline => {}
                Some(value) => {
                    out.insert(field.json.clone(), value);
                }
                None => {}
            }
        }
        Ok(Value::Object(out))
    }

    fn message_named(&self, name: &str) -> Result<&'s Message> {
        self.schema
            .message(name)
            .ok_or_else(|| DecodeError::new(format!("no protobuf schema for {name}")))
    }

    /// A field that is on the wire.
    fn present(
        &self,
        field: &Field,
        values: &[WireValue<'_>],
        depth: usize,
    ) -> Result<Option<Value>> {
        match field.cardinality {
            Cardinality::Repeated => {
                let mut items = Vec::new();
                for v in values {
                    self.repeated_item(&field.ty, *v, &mut items, depth)?;
                }
                // A packed field with no elements leaves the Go slice nil.
                if items.is_empty() {
                    return self.absent(field, depth);
                }
                Ok(Some(Value::Array(items)))
            }
            Cardinality::Map => {
                // Go prints map keys sorted; a repeated key keeps its last value.
                let mut map = BTreeMap::new();
                for v in values {
                    let WireValue::Bytes(entry) = v else {
                        return Err(wrong_wire_type(v, "map entry"));
                    };
                    let (key, value) = self.map_entry(&field.ty, entry, depth)?;
                    map.insert(key, value);
                }
                Ok(Some(Value::Object(map.into_iter().collect())))
            }
            Cardinality::Single => match &field.ty {
                FieldType::Scalar(scalar) => {
                    let Some(last) = values.last() else {
                        return self.absent(field, depth);
                    };
                    let value = scalar_value(*scalar, *last)?;
                    let dropped = field.omitempty && !field.pointer && is_zero(&value);
                    Ok((!dropped).then_some(value))
                }
                FieldType::Message(name) => {
                    let msg = self.message_named(name)?;
                    let bytes = concat(values)?;
                    let value = self.message(msg, &bytes, depth + 1)?;
                    let dropped = field.omitzero && !field.pointer && is_zero(&value);
                    Ok((!dropped).then_some(value))
                }
            },
        }
    }

    /// A field that is not on the wire: Go's zero value, as Go's JSON encoder prints it.
    fn absent(&self, field: &Field, depth: usize) -> Result<Option<Value>> {
        let nullable = field.pointer
            || field.cardinality != Cardinality::Single
            || match &field.ty {
                FieldType::Scalar(scalar) => *scalar == Scalar::Bytes,
                FieldType::Message(name) => {
                    self.message_named(name)?.well_known == Some(WellKnown::List)
                }
            };
        if nullable {
            return Ok((!field.omitempty && !field.omitzero).then_some(Value::Null));
        }
        if field.omitzero {
            return Ok(None);
        }
        match &field.ty {
            FieldType::Scalar(scalar) => Ok((!field.omitempty).then(|| zero_scalar(*scalar))),
            // omitempty never drops a struct; its zero value is the message with no fields.
            FieldType::Message(name) => {
                let msg = self.message_named(name)?;
                Ok(Some(self.message(msg, &[], depth + 1)?))
            }
        }
    }

    /// Appends one wire occurrence of a repeated field (several when packed).
    fn repeated_item(
        &self,
        ty: &FieldType,
        value: WireValue<'_>,
        items: &mut Vec<Value>,
        depth: usize,
    ) -> Result<()> {
        let index = items.len();
        match (ty, value) {
            (FieldType::Scalar(scalar), WireValue::Bytes(packed)) if scalar.is_packable() => {
                let mut reader = Reader::new(packed);
                while !reader.is_empty() {
                    let v = match scalar {
                        Scalar::Double => WireValue::Fixed64(reader.fixed64()?),
                        Scalar::Float => WireValue::Fixed32(reader.fixed32()?),
                        _ => WireValue::Varint(reader.varint()?),
                    };
                    items.push(scalar_value(*scalar, v)?);
                }
            }
            (FieldType::Scalar(scalar), v) => items.push(scalar_value(*scalar, v)?),
            (FieldType::Message(name), WireValue::Bytes(bytes)) => {
                let msg = self.message_named(name)?;
                let item = self
                    .message(msg, bytes, depth + 1)
                    .map_err(|e| e.at(&format!("[{index}]")))?;
                items.push(item);
            }
            (FieldType::Message(_), v) => return Err(wrong_wire_type(&v, "message")),
        }
        Ok(())
    }

    /// One `map<string, T>` entry: a message with the key as field 1 and the value as field 2.
    fn map_entry(&self, ty: &FieldType, entry: &[u8], depth: usize) -> Result<(String, Value)> {
        let mut key = String::new();
        let mut values = Vec::new();
        let mut reader = Reader::new(entry);
        while let Some((number, value)) = reader.next_field()? {
            match (number, value) {
                (1, WireValue::Bytes(k)) => key = go_string(k),
                (1, v) => return Err(wrong_wire_type(&v, "string")),
                (2, v) => values.push(v),
                _ => {}
            }
        }
        let value = match ty {
            FieldType::Scalar(scalar) => match values.last() {
                Some(v) => scalar_value(*scalar, *v),
                // A missing value is the zero value; for bytes Go keeps an empty slice.
                None if *scalar == Scalar::Bytes => Ok(Value::String(String::new())),
                None => Ok(zero_scalar(*scalar)),
            },
            FieldType::Message(name) => {
                let msg = self.message_named(name)?;
                self.message(msg, &concat(&values)?, depth + 1)
            }
        }
        .map_err(|e| e.at(&format!("[{key}]")))?;
        Ok((key, value))
    }

    /// The Go types with their own JSON encoding.
    fn well_known(
        &self,
        kind: WellKnown,
        msg: &Message,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Value> {
        let fields = Fields::read(bytes)?;
        match kind {
            WellKnown::Time => {
                // Go's Unmarshal keeps whole seconds only; an empty message is the zero time.
                if bytes.is_empty() {
                    return Ok(Value::Null);
                }
                let seconds = fields.varint(1)?.map_or(0, |v| v as i64);
                format_time(seconds, 0, false)
            }
            WellKnown::MicroTime => {
                if bytes.is_empty() {
                    return Ok(Value::Null);
                }
                let seconds = fields.varint(1)?.map_or(0, |v| v as i64);
                let nanos = fields.varint(2)?.map_or(0, |v| i64::from(v as i32));
                // Truncated to microseconds (toward zero), then normalised as time.Unix does.
                let nanos = nanos / 1000 * 1000;
                let seconds = seconds.saturating_add(nanos.div_euclid(1_000_000_000));
                format_time(seconds, nanos.rem_euclid(1_000_000_000), true)
            }
            WellKnown::Duration => {
                let nanos = fields.varint(1)?.map_or(0, |v| v as i64);
                Ok(Value::String(go_duration(nanos)))
            }
            WellKnown::Quantity => match fields.bytes(1)? {
                None => Ok(Value::String("0".to_string())),
                Some([]) => Err(DecodeError::new(QUANTITY_FORMAT)),
                Some(s) => Ok(Value::String(go_string(s))),
            },
            WellKnown::IntOrString => {
                let int_val = fields.varint(2)?.map_or(0, |v| i64::from(v as i32));
                match fields.varint(1)?.unwrap_or(0) {
                    0 => Ok(Value::from(int_val)),
                    1 => {
                        let s = fields.bytes(3)?.unwrap_or_default();
                        Ok(Value::String(go_string(s)))
                    }
                    _ => Err(DecodeError::new("impossible IntOrString.Type")),
                }
            }
            WellKnown::RawExtension => match fields.bytes(1)? {
                None => Ok(Value::Null),
                Some(raw) => raw_json(raw, "runtime.RawExtension"),
            },
            WellKnown::FieldsV1 => match fields.bytes(1)? {
                None | Some([]) => Ok(Value::Null),
                Some(raw) => raw_json(raw, "metav1.FieldsV1"),
            },
            WellKnown::List => {
                let Some(items) = msg.fields.iter().find(|f| f.number == 1) else {
                    return Ok(Value::Null);
                };
                let values: Vec<WireValue<'_>> = fields.all(1).collect();
                if values.is_empty() {
                    return Ok(Value::Null);
                }
                Ok(self.present(items, &values, depth)?.unwrap_or(Value::Null))
            }
        }
    }
}

/// The fields of a small well-known message, read once.
struct Fields<'a>(Vec<(u32, WireValue<'a>)>);

impl<'a> Fields<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let mut fields = Vec::new();
        while let Some(f) = reader.next_field()? {
            fields.push(f);
        }
        Ok(Self(fields))
    }

    fn all(&self, number: u32) -> impl Iterator<Item = WireValue<'a>> + '_ {
        self.0
            .iter()
            .filter(move |(n, _)| *n == number)
            .map(|(_, v)| *v)
    }

    fn varint(&self, number: u32) -> Result<Option<u64>> {
        match self.all(number).last() {
            None => Ok(None),
            Some(WireValue::Varint(v)) => Ok(Some(v)),
            Some(v) => Err(wrong_wire_type(&v, "varint")),
        }
    }

    fn bytes(&self, number: u32) -> Result<Option<&'a [u8]>> {
        match self.all(number).last() {
            None => Ok(None),
            Some(WireValue::Bytes(b)) => Ok(Some(b)),
            Some(v) => Err(wrong_wire_type(&v, "length-delimited")),
        }
    }
}

impl Scalar {
    /// Numeric types, which a packed repeated field may carry.
    fn is_packable(self) -> bool {
        !matches!(self, Scalar::String | Scalar::Bytes)
    }

    fn name(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Bytes => "bytes",
            Scalar::Bool => "bool",
            Scalar::Int32 => "int32",
            Scalar::Int64 => "int64",
            Scalar::Uint32 => "uint32",
            Scalar::Uint64 => "uint64",
            Scalar::Double => "double",
            Scalar::Float => "float",
        }
    }
}

fn field_label(field: &Field) -> &str {
    if field.json.is_empty() {
        match &field.ty {
            FieldType::Message(name) => name.rsplit('.').next().unwrap_or(name),
            FieldType::Scalar(s) => s.name(),
        }
    } else {
        &field.json
    }
}

fn wrong_wire_type(value: &WireValue<'_>, expected: &str) -> DecodeError {
    DecodeError::new(format!(
        "wrong wire type {} for a {expected} field",
        value.wire_type_name()
    ))
}

/// One scalar value. Negative int32s arrive as 64-bit varints; Go truncates them.
fn scalar_value(scalar: Scalar, value: WireValue<'_>) -> Result<Value> {
    Ok(match (scalar, value) {
        (Scalar::String, WireValue::Bytes(b)) => Value::String(go_string(b)),
        (Scalar::Bytes, WireValue::Bytes(b)) => Value::String(BASE64.encode(b)),
        (Scalar::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        (Scalar::Int32, WireValue::Varint(v)) => Value::from(v as i32),
        (Scalar::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (Scalar::Uint32, WireValue::Varint(v)) => Value::from(v as u32),
        (Scalar::Uint64, WireValue::Varint(v)) => Value::from(v),
        (Scalar::Double, WireValue::Fixed64(v)) => float(f64::from_bits(v))?,
        (Scalar::Float, WireValue::Fixed32(v)) => float(f64::from(f32::from_bits(v)))?,
        (scalar, v) => return Err(wrong_wire_type(&v, scalar.name())),
    })
}

/// Bytes as Go's JSON encoder writes a string: each byte of invalid UTF-8 becomes U+FFFD.
pub fn go_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    out
}

fn float(f: f64) -> Result<Value> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| DecodeError::new(format!("json: unsupported value: {f}")))
}

fn zero_scalar(scalar: Scalar) -> Value {
    match scalar {
        Scalar::String | Scalar::Bytes => Value::String(String::new()),
        Scalar::Bool => Value::Bool(false),
        Scalar::Double | Scalar::Float => Value::from(0.0),
        _ => Value::from(0),
    }
}

/// Go's notion of empty for `omitempty` on scalars, and of zero for `omitzero`.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The bytes of an embedded message given several times: protobuf merges them, which is the
/// same as decoding their concatenation.
fn concat<'a>(values: &[WireValue<'a>]) -> Result<Cow<'a, [u8]>> {
    let mut parts = values.iter().map(|v| match v {
        WireValue::Bytes(b) => Ok(*b),
        v => Err(wrong_wire_type(v, "message")),
    });
    match values.len() {
        0 => Ok(Cow::Borrowed(&[])),
        1 => parts.next().unwrap_or(Ok(&[])).map(Cow::Borrowed),
        _ => {
            let mut out = Vec::new();
            for part in parts {
                out.extend_from_slice(part?);
            }
            Ok(Cow::Owned(out))
        }
    }
}

/// `RawExtension` and `FieldsV1` bytes: JSON (as clients send them), decoded to a value.
fn raw_json(raw: &[u8], what: &str) -> Result<Value> {
    let looks_like_json = matches!(
        raw.first(),
        Some(
            b'\t' | b'\r' | b'\n' | b' ' | b'{' | b'[' | b'n' | b't' | b'f' | b'"' | b'-' | b'0'
                ..=b'9'
        )
    );
    if !looks_like_json {
        return Err(DecodeError::new(format!("{what}: raw data is not JSON")));
    }
    serde_json::from_slice(raw).map_err(|e| DecodeError::new(format!("{what}: {e}")))
}

/// `metav1.Time` / `MicroTime` as Go's JSON encoder prints them.
fn format_time(seconds: i64, nanos: i64, micro: bool) -> Result<Value> {
    if seconds == GO_ZERO_TIME_UNIX && nanos == 0 {
        return Ok(Value::Null);
    }
    let ts = jiff::Timestamp::from_second(seconds).map_err(|_| {
        DecodeError::new(format!("time {seconds}s since the epoch is out of range"))
    })?;
    let mut s = ts.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if micro {
        s.push_str(&format!(".{:06}", nanos / 1000));
    }
    s.push('Z');
    Ok(Value::String(s))
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u < 1_000_000_000 {
        let (unit, digits) = match u {
            0..1_000 => ("ns", 0),
            1_000..1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        let (whole, frac) = split_fraction(u, digits);
        return format!("{sign}{whole}{frac}{unit}");
    }
    let (secs, frac) = split_fraction(u, 9);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}{frac}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}{frac}s")
    } else {
        format!("{sign}{s}{frac}s")
    }
}

/// `v / 10^digits` and the fraction as `.5` (trailing zeros dropped; empty when zero).
fn split_fraction(v: u64, digits: u32) -> (u64, String) {
    let scale = 10u64.pow(digits);
    let (whole, frac) = (v / scale, v % scale);
    if frac == 0 {
        return (whole, String::new());
    }
    let frac = format!(".{:0width$}", frac, width = digits as usize);
    (whole, frac.trim_end_matches('0').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        // Cases from Go's time package tests.
        for (nanos, want) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * 1_000_000_000 + 5_000_000_000, "4m5s"),
            (4 * 60 * 1_000_000_000 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3600 * 1_000_000_000 + 6 * 60 * 1_000_000_000 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60 * 1_000_000_000 + 1, "8m0.000000001s"),
            (3600 * 1_000_000_000, "1h0m0s"),
            (-1_100, "-1.1µs"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(go_duration(nanos), want, "{nanos}");
        }
    }

    #[test]
    fn times_print_in_utc() {
        assert_eq!(
            format_time(1_767_225_600, 0, false),
            Ok(Value::from("2026-01-01T00:00:00Z"))
        );
        assert_eq!(
            format_time(1_767_225_600, 123_456_000, true),
            Ok(Value::from("2026-01-01T00:00:00.123456Z"))
        );
        assert_eq!(format_time(GO_ZERO_TIME_UNIX, 0, false), Ok(Value::Null));
        assert_eq!(
            format_time(GO_ZERO_TIME_UNIX + 1, 0, false),
            Ok(Value::from("0001-01-01T00:00:01Z"))
        );
        assert!(format_time(i64::MAX, 0, false).is_err());
    }

    #[test]
    fn invalid_utf8_becomes_one_replacement_per_byte() {
        assert_eq!(go_string(b"ok"), "ok");
        // A truncated three-byte sequence is two invalid bytes to Go.
        assert_eq!(go_string(b"a\xe2\x82z\xff"), "a\u{fffd}\u{fffd}z\u{fffd}");
    }

    #[test]
    fn raw_json_accepts_json_only() {
        assert_eq!(
            raw_json(br#"{"a":1}"#, "x"),
            Ok(serde_json::json!({"a": 1}))
        );
        assert!(raw_json(b"\xa1\x01", "x").is_err());
        assert!(raw_json(b"{", "x").is_err());
        assert!(raw_json(b"", "x").is_err());
    }
}
