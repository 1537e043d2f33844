//! Golden vectors, round trips both ways, error cases and hostile input.

mod golden;
mod hostile;
mod messages;

pub(crate) fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test hex")
}

pub(crate) fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().expect("32 bytes of hex")
}
