//! The SNTP messages (RFC 4330) needed to ask a time server what time it is, so clock drift can
//! be detected and explained (see [`crate::codes::check_clock_drift`]). No IO: the caller sends
//! [`request`] over UDP and hands the answer to [`transmit_time`].

/// Seconds from the NTP era (1900-01-01) to the Unix epoch (1970-01-01).
const NTP_TO_UNIX: u64 = 2_208_988_800;

/// Why a server's answer gives no time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SntpError {
    #[error("the time server's answer is {0} bytes; an SNTP message has at least 48")]
    TooShort(usize),
    #[error("the answer is not from an NTP server (mode {0}, expected 4)")]
    NotAServerReply(u8),
    #[error("the time server is not synchronised (stratum 0 or leap indicator 3: 'kiss of death' or alarm)")]
    Unsynchronised,
    #[error("the time server sent a time before 1970")]
    BeforeUnixEpoch,
}

/// A client request: leap indicator 0, version 4, mode 3 (client), everything else zero
/// (RFC 4330 §5).
pub fn request() -> [u8; 48] {
    let mut message = [0u8; 48];
    message[0] = 0b00_100_011;
    message
}

/// The server's transmit timestamp as Unix seconds with fraction (RFC 4330 §4-§5).
pub fn transmit_time(reply: &[u8]) -> Result<f64, SntpError> {
    let header: &[u8; 48] = reply.get(..48).and_then(|h| h.try_into().ok()).ok_or(SntpError::TooShort(reply.len()))?;
    let (leap, mode, stratum) = (header[0] >> 6, header[0] & 0b111, header[1]);
    if mode != 4 {
        return Err(SntpError::NotAServerReply(mode));
    }
    if stratum == 0 || leap == 3 {
        return Err(SntpError::Unsynchronised);
    }
    let seconds = u64::from(u32::from_be_bytes([header[40], header[41], header[42], header[43]]));
    let fraction = u32::from_be_bytes([header[44], header[45], header[46], header[47]]);
    let unix = seconds.checked_sub(NTP_TO_UNIX).ok_or(SntpError::BeforeUnixEpoch)?;
    Ok(unix as f64 + f64::from(fraction) / 4_294_967_296.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(seconds: u32, fraction: u32) -> [u8; 48] {
        let mut message = [0u8; 48];
        message[0] = 0b00_100_100; // LI 0, VN 4, mode 4 (server)
        message[1] = 2;
        message[40..44].copy_from_slice(&seconds.to_be_bytes());
        message[44..48].copy_from_slice(&fraction.to_be_bytes());
        message
    }

    #[test]
    fn the_request_is_a_version_4_client_message() {
        assert_eq!(request()[0], 0x23);
        assert!(request()[1..].iter().all(|&b| b == 0));
    }

    #[test]
    fn the_transmit_timestamp_becomes_unix_time() {
        // 2026-01-01T00:00:00Z is Unix 1767225600, NTP 3976214400; half a second of fraction.
        let time = transmit_time(&reply(3_976_214_400, 1 << 31)).expect("time");
        assert!((time - 1_767_225_600.5).abs() < 1e-6, "{time}");
    }

    #[test]
    fn bad_answers_are_refused() {
        assert_eq!(transmit_time(&[0u8; 47]), Err(SntpError::TooShort(47)));
        assert_eq!(transmit_time(&request()), Err(SntpError::NotAServerReply(3)));
        let mut unsynchronised = reply(3_976_214_400, 0);
        unsynchronised[1] = 0;
        assert_eq!(transmit_time(&unsynchronised), Err(SntpError::Unsynchronised));
        assert_eq!(transmit_time(&reply(5, 0)), Err(SntpError::BeforeUnixEpoch));
    }
}
