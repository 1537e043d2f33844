//! Typed access to CBOR maps, shared by every message: reading members with precise
//! errors ([`Fields`]) and building maps ([`MapBuilder`]).
//!
//! Decoding ignores unknown keys (forward compatibility: later CTAP versions add members
//! to existing maps), but a known key with the wrong type is an error.

use super::value::Value;
use crate::error::DecodeError;

/// A map key as CTAP uses them: an integer or a text string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'k> {
    /// Integer key (top-level members, COSE labels).
    Int(i64),
    /// Text key (entities, extensions, options).
    Text(&'k str),
}

impl From<i32> for Key<'_> {
    fn from(n: i32) -> Self {
        Key::Int(i64::from(n))
    }
}

impl From<u8> for Key<'_> {
    fn from(n: u8) -> Self {
        Key::Int(i64::from(n))
    }
}

impl<'k> From<&'k str> for Key<'k> {
    fn from(s: &'k str) -> Self {
        Key::Text(s)
    }
}

impl Key<'_> {
    fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (Key::Int(n), v) => v.as_i64() == Some(*n),
            (Key::Text(s), Value::Text(t)) => s == t,
            _ => false,
        }
    }

    fn to_value(self) -> Value {
        match self {
            Key::Int(n) => Value::from(n),
            Key::Text(s) => Value::text(s),
        }
    }
}

/// Conversion from a CBOR value with a member name for errors.
pub trait FromCbor: Sized {
    /// Converts `value`, naming `field` in any error.
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError>;
}

/// Conversion to a CBOR value.
pub trait ToCbor {
    /// The value in CTAP's representation.
    fn to_cbor(&self) -> Value;
}

/// Builds an array from a slice of convertible items.
pub fn array<T: ToCbor>(items: &[T]) -> Value {
    Value::Array(items.iter().map(ToCbor::to_cbor).collect())
}

pub(crate) fn wrong_type(field: &'static str, expected: &'static str, found: &Value) -> DecodeError {
    DecodeError::WrongType {
        field,
        expected,
        found: found.type_name(),
    }
}

/// Reads an array whose items convert with [`FromCbor`].
pub(crate) fn array_from<T: FromCbor>(value: &Value, field: &'static str) -> Result<Vec<T>, DecodeError> {
    let items = value.as_array().ok_or_else(|| wrong_type(field, "array", value))?;
    items.iter().map(|item| T::from_cbor(item, field)).collect()
}

/// Members of one CBOR map, looked up by key.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    entries: &'a [(Value, Value)],
}

impl<'a> Fields<'a> {
    /// Views `value` as a map; `field` names it in the error if it is not one.
    pub fn new(value: &'a Value, field: &'static str) -> Result<Self, DecodeError> {
        match value {
            Value::Map(entries) => Ok(Fields { entries }),
            other => Err(wrong_type(field, "map", other)),
        }
    }

    /// The raw value under `key`, if present.
    pub fn get<'k>(&self, key: impl Into<Key<'k>>) -> Option<&'a Value> {
        let key = key.into();
        self.entries
            .iter()
            .find_map(|(k, v)| key.matches(k).then_some(v))
    }

    /// All entries, in the order received.
    pub fn entries(&self) -> &'a [(Value, Value)] {
        self.entries
    }

    /// A required member.
    pub fn required<'k, T: FromCbor>(&self, key: impl Into<Key<'k>>, field: &'static str) -> Result<T, DecodeError> {
        match self.get(key) {
            Some(v) => T::from_cbor(v, field),
            None => Err(DecodeError::MissingField { field }),
        }
    }

    /// An optional member.
    pub fn optional<'k, T: FromCbor>(&self, key: impl Into<Key<'k>>, field: &'static str) -> Result<Option<T>, DecodeError> {
        self.get(key).map(|v| T::from_cbor(v, field)).transpose()
    }

    /// A required array member.
    pub fn required_array<'k, T: FromCbor>(&self, key: impl Into<Key<'k>>, field: &'static str) -> Result<Vec<T>, DecodeError> {
        match self.get(key) {
            Some(v) => array_from(v, field),
            None => Err(DecodeError::MissingField { field }),
        }
    }

    /// An optional array member.
    pub fn optional_array<'k, T: FromCbor>(&self, key: impl Into<Key<'k>>, field: &'static str) -> Result<Option<Vec<T>>, DecodeError> {
        self.get(key).map(|v| array_from(v, field)).transpose()
    }
}

/// Builds a map; the encoder puts the keys in canonical order.
#[derive(Debug, Clone, Default)]
pub struct MapBuilder {
    entries: Vec<(Value, Value)>,
}

impl MapBuilder {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a member.
    pub fn insert<'k>(mut self, key: impl Into<Key<'k>>, value: impl Into<Value>) -> Self {
        self.entries.push((key.into().to_value(), value.into()));
        self
    }

    /// Adds a member if `value` is `Some`.
    pub fn insert_opt<'k, V: Into<Value>>(self, key: impl Into<Key<'k>>, value: Option<V>) -> Self {
        match value {
            Some(v) => self.insert(key, v),
            None => self,
        }
    }

    /// Whether no member was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The finished map.
    pub fn build(self) -> Value {
        Value::Map(self.entries)
    }
}

impl FromCbor for Value {
    fn from_cbor(value: &Value, _field: &'static str) -> Result<Self, DecodeError> {
        Ok(value.clone())
    }
}

impl FromCbor for u64 {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        match value {
            Value::Unsigned(n) => Ok(*n),
            Value::Negative(_) => Err(DecodeError::IntegerOutOfRange { field }),
            other => Err(wrong_type(field, "unsigned integer", other)),
        }
    }
}

macro_rules! narrow_unsigned {
    ($($t:ty),*) => {$(
        impl FromCbor for $t {
            fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
                let n = u64::from_cbor(value, field)?;
                <$t>::try_from(n).map_err(|_| DecodeError::IntegerOutOfRange { field })
            }
        }
    )*};
}
narrow_unsigned!(u8, u16, u32, usize);

impl FromCbor for i64 {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        match value {
            Value::Unsigned(_) | Value::Negative(_) => {
                value.as_i64().ok_or(DecodeError::IntegerOutOfRange { field })
            }
            other => Err(wrong_type(field, "integer", other)),
        }
    }
}

impl FromCbor for i32 {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = i64::from_cbor(value, field)?;
        i32::try_from(n).map_err(|_| DecodeError::IntegerOutOfRange { field })
    }
}

impl FromCbor for bool {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        value.as_bool().ok_or_else(|| wrong_type(field, "boolean", value))
    }
}

impl FromCbor for String {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        value
            .as_text()
            .map(str::to_owned)
            .ok_or_else(|| wrong_type(field, "text string", value))
    }
}

impl FromCbor for Vec<u8> {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        value
            .as_bytes()
            .map(<[u8]>::to_vec)
            .ok_or_else(|| wrong_type(field, "byte string", value))
    }
}

impl<const N: usize> FromCbor for [u8; N] {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let bytes = value.as_bytes().ok_or_else(|| wrong_type(field, "byte string", value))?;
        <[u8; N]>::try_from(bytes).map_err(|_| DecodeError::WrongLength {
            field,
            expected: N,
            actual: bytes.len(),
        })
    }
}

impl ToCbor for Value {
    fn to_cbor(&self) -> Value {
        self.clone()
    }
}

impl ToCbor for String {
    fn to_cbor(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToCbor for u64 {
    fn to_cbor(&self) -> Value {
        Value::Unsigned(*self)
    }
}

impl ToCbor for u32 {
    fn to_cbor(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCbor for u8 {
    fn to_cbor(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCbor for i64 {
    fn to_cbor(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCbor for i32 {
    fn to_cbor(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCbor for bool {
    fn to_cbor(&self) -> Value {
        Value::Bool(*self)
    }
}
