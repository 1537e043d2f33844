//! CTAP2 CBOR: a small value model ([`Value`]), the canonical encoder ([`encode`]), a
//! strict decoder ([`decode`], [`decode_with`]) and typed field helpers used by every
//! message ([`Fields`], [`MapBuilder`], [`FromCbor`], [`ToCbor`]).
//!
//! CTAP 2.1 §8 "Message Encoding" fixes the canonical form; the encoder always produces it.

mod decode;
mod encode;
mod fields;
mod value;

pub use decode::{decode, decode_prefix_with, decode_with, CborError, DecodeOptions};
pub use encode::{canonical_key_order, encode, encode_into};
pub use fields::{array, Fields, FromCbor, Key, MapBuilder, ToCbor};
pub(crate) use fields::{array_from, wrong_type as fields_wrong_type};
pub use value::Value;
