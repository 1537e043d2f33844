//! Operating-system randomness, the only source of keys, nonces, salts and ids.

/// Raised when the OS refuses to provide random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the operating system random number generator failed")]
pub struct RandomError;

pub(crate) fn fill(buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|_| RandomError)
}

pub(crate) fn array<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}
