//! The CBOR data model used by CTAP2 (RFC 8949 major types 0-5 and the simple values
//! false/true/null/undefined). Floats and tags never occur in CTAP2 messages, so they are
//! not representable here and the decoder rejects them.

/// One CBOR data item.
///
/// Integers are split like the wire format: `Unsigned(n)` is major type 0 (value `n`),
/// `Negative(n)` is major type 1 (value `-1 - n`). Use [`Value::from`] with an `i64` or
/// [`Value::as_i64`] to work with signed numbers.
///
/// Maps keep their entries in the order they were built or decoded; the encoder always
/// writes them in CTAP2 canonical order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Major type 0: an unsigned integer.
    Unsigned(u64),
    /// Major type 1: the negative integer `-1 - n`.
    Negative(u64),
    /// Major type 2: a byte string.
    Bytes(Vec<u8>),
    /// Major type 3: a UTF-8 text string.
    Text(String),
    /// Major type 4: an array.
    Array(Vec<Value>),
    /// Major type 5: a map, as ordered key/value pairs.
    Map(Vec<(Value, Value)>),
    /// Simple values 20 (false) and 21 (true).
    Bool(bool),
    /// Simple value 22.
    Null,
    /// Simple value 23.
    Undefined,
}

impl Value {
    /// A short name of the item's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Unsigned(_) | Value::Negative(_) => "integer",
            Value::Bytes(_) => "byte string",
            Value::Text(_) => "text string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
            Value::Undefined => "undefined",
        }
    }

    /// The integer value if this is an integer that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Unsigned(n) => i64::try_from(n).ok(),
            Value::Negative(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// The integer value if this is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Unsigned(n) => Some(n),
            _ => None,
        }
    }

    /// The bytes if this is a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text if this is a text string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The boolean if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The elements if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries if this is a map.
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up a map entry by key (first match). `None` if this is not a map or the key is
    /// absent.
    pub fn map_get(&self, key: &Value) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// Shorthand for a text-string value.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// Shorthand for a byte-string value.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(b.into())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        if n >= 0 {
            Value::Unsigned(n.unsigned_abs())
        } else {
            // -1 - n' = n  =>  n' = -1 - n = |n| - 1, which cannot overflow for negative n.
            Value::Negative(n.unsigned_abs() - 1)
        }
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::from(i64::from(n))
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Unsigned(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Unsigned(u64::from(n))
    }
}

impl From<u8> for Value {
    fn from(n: u8) -> Self {
        Value::Unsigned(u64::from(n))
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        // usize is at most 64 bits on every supported target.
        Value::Unsigned(n as u64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Value::Bytes(b.to_vec())
    }
}
