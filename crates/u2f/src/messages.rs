//! U2F register, authenticate and version messages (FIDO U2F Raw Message Formats v1.2 §4–§6;
//! CTAP 2.1 §11.2 CTAP1/U2F interoperability), both sides.

use keydesk_framing::iso7816::apdu::{
    CommandApdu, CommandDecodeError, CommandEncodeError, LengthForm as ApduEncoding, ResponseApdu,
    ResponseDecodeError, EXTENDED_MAX_NE, SHORT_MAX_DATA, SHORT_MAX_NE,
};

use crate::der::{self, DerError};
use crate::StatusWord;

/// Class byte of every U2F command.
pub const U2F_CLA: u8 = 0x00;
/// U2F_REGISTER instruction.
pub const INS_REGISTER: u8 = 0x01;
/// U2F_AUTHENTICATE instruction.
pub const INS_AUTHENTICATE: u8 = 0x02;
/// U2F_VERSION instruction.
pub const INS_VERSION: u8 = 0x03;
/// The version string of U2F v1.2 authenticators (and CTAP2 ones that support CTAP1).
pub const U2F_V2: &[u8] = b"U2F_V2";
/// First byte of a registration response ("reserved byte", §4.3).
pub const REGISTER_RESERVED_BYTE: u8 = 0x05;
/// Bit 0 of the authenticate response's user presence byte.
pub const USER_PRESENT_FLAG: u8 = 0x01;
/// Length of an uncompressed P-256 public key (0x04 || x || y).
pub const PUBLIC_KEY_LEN: usize = 65;
/// Longest key handle (its length travels in one byte).
pub const MAX_KEY_HANDLE_LEN: usize = 255;

/// The control byte of an authentication request (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthenticateControl {
    /// 0x07 "check-only": is this key handle mine? Answered 6985 (yes) or 6A80 (no).
    CheckOnly,
    /// 0x03 "enforce-user-presence-and-sign".
    EnforceUserPresenceAndSign,
    /// 0x08 "dont-enforce-user-presence-and-sign".
    DontEnforceUserPresenceAndSign,
}

impl AuthenticateControl {
    /// The control byte.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::CheckOnly => 0x07,
            Self::EnforceUserPresenceAndSign => 0x03,
            Self::DontEnforceUserPresenceAndSign => 0x08,
        }
    }

    /// The control from its byte.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x07 => Some(Self::CheckOnly),
            0x03 => Some(Self::EnforceUserPresenceAndSign),
            0x08 => Some(Self::DontEnforceUserPresenceAndSign),
            _ => None,
        }
    }
}

/// U2F_REGISTER request (§4.1): challenge parameter and application parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRequest {
    /// SHA-256 of the client data (CTAP2 mapping: the clientDataHash).
    pub challenge: [u8; 32],
    /// SHA-256 of the application identity (CTAP2 mapping: the rpIdHash).
    pub application: [u8; 32],
}

/// U2F_AUTHENTICATE request (§5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateRequest {
    /// What to do (P1).
    pub control: AuthenticateControl,
    /// SHA-256 of the client data.
    pub challenge: [u8; 32],
    /// SHA-256 of the application identity.
    pub application: [u8; 32],
    /// The key handle from registration (at most 255 bytes).
    pub key_handle: Vec<u8>,
}

/// A U2F request as an authenticator receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// U2F_REGISTER.
    Register(RegisterRequest),
    /// U2F_AUTHENTICATE.
    Authenticate(AuthenticateRequest),
    /// U2F_VERSION.
    Version,
}

/// Why a request or response cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A key handle longer than 255 bytes.
    #[error("key handle of {len} bytes; at most 255 fit its length byte")]
    KeyHandleTooLong {
        /// Length of the key handle.
        len: usize,
    },
    /// The APDU does not fit the chosen encoding.
    #[error(transparent)]
    Apdu(#[from] CommandEncodeError),
}

/// Why an authenticator rejects a request; [`RequestError::status_word`] is its answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a well-formed command APDU.
    #[error("malformed command APDU: {0}")]
    Apdu(#[from] CommandDecodeError),
    /// CLA is not 0x00.
    #[error("class byte {cla:#04x} is not U2F's 0x00")]
    ClassNotSupported {
        /// The class byte received.
        cla: u8,
    },
    /// INS is not register, authenticate or version.
    #[error("instruction {ins:#04x} is not a U2F instruction")]
    InstructionNotSupported {
        /// The instruction byte received.
        ins: u8,
    },
    /// The data has the wrong length for the instruction.
    #[error("instruction {ins:#04x} carries {actual} bytes of data; {expected} expected")]
    WrongLength {
        /// The instruction.
        ins: u8,
        /// The length the instruction needs (for authenticate: 65 + the key handle length).
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The authenticate control byte (P1) is not 0x03, 0x07 or 0x08.
    #[error("authenticate control byte {0:#04x} is not 0x03, 0x07 or 0x08")]
    InvalidControlByte(u8),
}

impl RequestError {
    /// The status word to answer with (§3.3).
    pub fn status_word(&self) -> StatusWord {
        match self {
            Self::Apdu(_) | Self::WrongLength { .. } => StatusWord::WrongLength,
            Self::ClassNotSupported { .. } => StatusWord::ClassNotSupported,
            Self::InstructionNotSupported { .. } => StatusWord::InstructionNotSupported,
            Self::InvalidControlByte(_) => StatusWord::WrongData,
        }
    }
}

/// Why a host rejects a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Not a response APDU (fewer than two bytes).
    #[error("malformed response APDU: {0}")]
    Apdu(#[from] ResponseDecodeError),
    /// The authenticator answered with an error status (6985 means "touch needed" for
    /// sign requests and "key handle is mine" for check-only).
    #[error("authenticator answered status {0}")]
    Status(StatusWord),
    /// The registration response does not start with 0x05.
    #[error("registration response starts with {0:#04x}, not the reserved 0x05")]
    ReservedByteNot05(u8),
    /// The response ends before a field is complete.
    #[error("response ends inside {field}: {needed} bytes needed, {available} left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The user public key is not an uncompressed point (first byte 0x04).
    #[error("user public key starts with {0:#04x}, not 0x04 (uncompressed)")]
    PublicKeyNotUncompressed(u8),
    /// The attestation certificate is not a DER SEQUENCE with a definite length.
    #[error("attestation certificate is not a DER SEQUENCE")]
    CertificateNotDer,
    /// The signature is not exactly one DER SEQUENCE (ECDSA-Sig-Value).
    #[error("signature is not exactly one DER SEQUENCE")]
    SignatureNotDer,
    /// The version response is not "U2F_V2".
    #[error("authenticator reports version {0:?}, not U2F_V2")]
    UnexpectedVersion(String),
}

impl RegisterRequest {
    /// The command APDU (P1 0x00; Ne 65536 so any response fits).
    pub fn to_command(&self) -> CommandApdu {
        let mut data = Vec::with_capacity(64);
        data.extend_from_slice(&self.challenge);
        data.extend_from_slice(&self.application);
        command(INS_REGISTER, 0x00, data)
    }
}

impl AuthenticateRequest {
    /// The command APDU (P1 = control byte).
    pub fn to_command(&self) -> Result<CommandApdu, EncodeError> {
        let key_handle_len =
            u8::try_from(self.key_handle.len()).map_err(|_| EncodeError::KeyHandleTooLong {
                len: self.key_handle.len(),
            })?;
        let mut data = Vec::with_capacity(65 + self.key_handle.len());
        data.extend_from_slice(&self.challenge);
        data.extend_from_slice(&self.application);
        data.push(key_handle_len);
        data.extend_from_slice(&self.key_handle);
        Ok(command(INS_AUTHENTICATE, self.control.to_byte(), data))
    }
}

fn command(ins: u8, p1: u8, data: Vec<u8>) -> CommandApdu {
    CommandApdu {
        cla: U2F_CLA,
        ins,
        p1,
        p2: 0x00,
        data,
        ne: Some(EXTENDED_MAX_NE),
    }
}

impl Request {
    /// Host side: the command APDU.
    pub fn to_command(&self) -> Result<CommandApdu, EncodeError> {
        match self {
            Self::Register(register) => Ok(register.to_command()),
            Self::Authenticate(authenticate) => authenticate.to_command(),
            Self::Version => Ok(command(INS_VERSION, 0x00, Vec::new())),
        }
    }

    /// Host side: the command APDU's bytes. With [`ApduEncoding::Short`] Ne becomes 256
    /// (Le 0x00), the most a short APDU can ask for; responses longer than that need
    /// extended encoding (or the transport's 61xx GET RESPONSE chaining).
    pub fn encode(&self, encoding: ApduEncoding) -> Result<Vec<u8>, EncodeError> {
        let mut command = self.to_command()?;
        if encoding == ApduEncoding::Short {
            command.ne = Some(SHORT_MAX_NE);
        }
        Ok(command.encode(encoding)?)
    }

    /// Authenticator side: decodes a command APDU's bytes (short or extended). Also accepts
    /// a request without data sent with an extended Lc of zero followed by Le
    /// (`CLA INS P1 P2 00 00 00 Le1 Le2`, not valid ISO 7816-4), which U2F hosts such as
    /// python-fido2 send: it is read as ISO case 2E.
    pub fn decode(bytes: &[u8]) -> Result<Self, RequestError> {
        let (command, _) = match bytes {
            [cla, ins, p1, p2, 0x00, 0x00, 0x00, le1, le2] => {
                CommandApdu::decode(&[*cla, *ins, *p1, *p2, 0x00, *le1, *le2])?
            }
            _ => CommandApdu::decode(bytes)?,
        };
        Self::from_command(&command)
    }

    /// Authenticator side: interprets a decoded command APDU. P1 of register and version is
    /// ignored (some hosts send 0x03 with register).
    pub fn from_command(command: &CommandApdu) -> Result<Self, RequestError> {
        if command.cla != U2F_CLA {
            return Err(RequestError::ClassNotSupported { cla: command.cla });
        }
        let data = command.data.as_slice();
        let wrong_length = |expected: usize| RequestError::WrongLength {
            ins: command.ins,
            expected,
            actual: data.len(),
        };
        match command.ins {
            INS_REGISTER => {
                let (challenge, application) = split_two_hashes(data)
                    .filter(|_| data.len() == 64)
                    .ok_or(wrong_length(64))?;
                Ok(Self::Register(RegisterRequest {
                    challenge,
                    application,
                }))
            }
            INS_AUTHENTICATE => {
                let control = AuthenticateControl::from_byte(command.p1)
                    .ok_or(RequestError::InvalidControlByte(command.p1))?;
                let (challenge, application) = split_two_hashes(data).ok_or(wrong_length(65))?;
                let (&declared, key_handle) = data
                    .get(64..)
                    .and_then(<[u8]>::split_first)
                    .ok_or(wrong_length(65))?;
                if key_handle.len() != usize::from(declared) {
                    return Err(wrong_length(65 + usize::from(declared)));
                }
                Ok(Self::Authenticate(AuthenticateRequest {
                    control,
                    challenge,
                    application,
                    key_handle: key_handle.to_vec(),
                }))
            }
            INS_VERSION => {
                if data.is_empty() {
                    Ok(Self::Version)
                } else {
                    Err(wrong_length(0))
                }
            }
            ins => Err(RequestError::InstructionNotSupported { ins }),
        }
    }
}

/// The first two 32-byte values of `data`.
fn split_two_hashes(data: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let (first, rest) = data.split_first_chunk::<32>()?;
    let (second, _) = rest.split_first_chunk::<32>()?;
    Some((*first, *second))
}

/// U2F_REGISTER response (§4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterResponse {
    /// The new credential's public key, uncompressed (0x04 || x || y).
    pub user_public_key: [u8; PUBLIC_KEY_LEN],
    /// The key handle (at most 255 bytes).
    pub key_handle: Vec<u8>,
    /// The DER X.509 attestation certificate.
    pub attestation_certificate: Vec<u8>,
    /// DER ECDSA signature over [`crate::register_signed_data`].
    pub signature: Vec<u8>,
}

impl RegisterResponse {
    /// Authenticator side: the response data (without the status word).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let key_handle_len =
            u8::try_from(self.key_handle.len()).map_err(|_| EncodeError::KeyHandleTooLong {
                len: self.key_handle.len(),
            })?;
        let mut out = Vec::with_capacity(
            1 + PUBLIC_KEY_LEN
                + 1
                + self.key_handle.len()
                + self.attestation_certificate.len()
                + self.signature.len(),
        );
        out.push(REGISTER_RESERVED_BYTE);
        out.extend_from_slice(&self.user_public_key);
        out.push(key_handle_len);
        out.extend_from_slice(&self.key_handle);
        out.extend_from_slice(&self.attestation_certificate);
        out.extend_from_slice(&self.signature);
        Ok(out)
    }

    /// Authenticator side: response data followed by 9000.
    pub fn encode_response_apdu(&self) -> Result<Vec<u8>, EncodeError> {
        let data = self.encode()?;
        Ok(ResponseApdu {
            data,
            sw: StatusWord::NoError,
        }
        .encode())
    }

    /// Host side: parses the response data (status word already removed).
    pub fn decode(data: &[u8]) -> Result<Self, ResponseError> {
        let mut reader = Reader(data);
        let reserved = reader.byte("reserved byte")?;
        if reserved != REGISTER_RESERVED_BYTE {
            return Err(ResponseError::ReservedByteNot05(reserved));
        }
        let user_public_key: [u8; PUBLIC_KEY_LEN] = reader.array("user public key")?;
        if user_public_key[0] != 0x04 {
            return Err(ResponseError::PublicKeyNotUncompressed(user_public_key[0]));
        }
        let key_handle_len = usize::from(reader.byte("key handle length")?);
        let key_handle = reader.take("key handle", key_handle_len)?.to_vec();
        let (certificate, rest) = der::split_sequence(reader.0).map_err(|error| match error {
            DerError::Truncated => ResponseError::Truncated {
                field: "attestation certificate",
                needed: reader.0.len() + 1,
                available: reader.0.len(),
            },
            DerError::NotSequence | DerError::BadLength => ResponseError::CertificateNotDer,
        })?;
        check_signature(rest)?;
        Ok(Self {
            user_public_key,
            key_handle,
            attestation_certificate: certificate.to_vec(),
            signature: rest.to_vec(),
        })
    }

    /// Host side: parses a whole response APDU; a status other than 9000 is
    /// [`ResponseError::Status`].
    pub fn decode_response_apdu(bytes: &[u8]) -> Result<Self, ResponseError> {
        Self::decode(&success_data(bytes)?)
    }

    /// The x and y coordinates of the user public key (for a COSE_Key in the CTAP2 mapping,
    /// CTAP 2.1 §11.3).
    pub fn public_key_coordinates(&self) -> ([u8; 32], [u8; 32]) {
        let mut x = [0u8; 32];
        let mut y = [0u8; 32];
        x.copy_from_slice(&self.user_public_key[1..33]);
        y.copy_from_slice(&self.user_public_key[33..]);
        (x, y)
    }
}

/// U2F_AUTHENTICATE response (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateResponse {
    /// The user presence byte: bit 0 set when the user was present.
    pub user_presence: u8,
    /// The signature counter (big-endian on the wire).
    pub counter: u32,
    /// DER ECDSA signature over [`crate::authenticate_signed_data`].
    pub signature: Vec<u8>,
}

impl AuthenticateResponse {
    /// Whether the user presence bit is set.
    pub fn user_present(&self) -> bool {
        self.user_presence & USER_PRESENT_FLAG != 0
    }

    /// Authenticator side: the response data (without the status word).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.signature.len());
        out.push(self.user_presence);
        out.extend_from_slice(&self.counter.to_be_bytes());
        out.extend_from_slice(&self.signature);
        out
    }

    /// Authenticator side: response data followed by 9000.
    pub fn encode_response_apdu(&self) -> Vec<u8> {
        ResponseApdu {
            data: self.encode(),
            sw: StatusWord::NoError,
        }
        .encode()
    }

    /// Host side: parses the response data (status word already removed).
    pub fn decode(data: &[u8]) -> Result<Self, ResponseError> {
        let mut reader = Reader(data);
        let user_presence = reader.byte("user presence")?;
        let counter = u32::from_be_bytes(reader.array("counter")?);
        check_signature(reader.0)?;
        Ok(Self {
            user_presence,
            counter,
            signature: reader.0.to_vec(),
        })
    }

    /// Host side: parses a whole response APDU; a status other than 9000 is
    /// [`ResponseError::Status`] (6985: touch needed, 6A80: not this authenticator's key
    /// handle).
    pub fn decode_response_apdu(bytes: &[u8]) -> Result<Self, ResponseError> {
        Self::decode(&success_data(bytes)?)
    }
}

/// Authenticator side: the U2F_VERSION response APDU ("U2F_V2" 9000).
pub fn encode_version_response() -> Vec<u8> {
    ResponseApdu {
        data: U2F_V2.to_vec(),
        sw: StatusWord::NoError,
    }
    .encode()
}

/// Host side: checks a U2F_VERSION response APDU says "U2F_V2".
pub fn decode_version_response(bytes: &[u8]) -> Result<(), ResponseError> {
    let data = success_data(bytes)?;
    if data == U2F_V2 {
        Ok(())
    } else {
        Err(ResponseError::UnexpectedVersion(
            String::from_utf8_lossy(&data).into_owned(),
        ))
    }
}

/// The data of a 9000 response, or the status as an error.
fn success_data(bytes: &[u8]) -> Result<Vec<u8>, ResponseError> {
    let response = ResponseApdu::decode(bytes)?;
    match response.sw {
        StatusWord::NoError => Ok(response.data),
        status => Err(ResponseError::Status(status)),
    }
}

fn check_signature(signature: &[u8]) -> Result<(), ResponseError> {
    match der::split_sequence(signature) {
        Ok((_, [])) => Ok(()),
        _ => Err(ResponseError::SignatureNotDer),
    }
}

/// Reads fields from the front of a response, with errors naming the field.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, len: usize) -> Result<&'a [u8], ResponseError> {
        let (head, rest) = self
            .0
            .split_at_checked(len)
            .ok_or(ResponseError::Truncated {
                field,
                needed: len,
                available: self.0.len(),
            })?;
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self, field: &'static str) -> Result<u8, ResponseError> {
        self.array::<1>(field).map(|[b]| b)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ResponseError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(field, N)?);
        Ok(out)
    }
}

/// The encoding a host should use for a request carrying `request_data_len` bytes: short
/// when the data fits 255 bytes (every U2F request with a key handle up to 190 bytes),
/// extended otherwise.
pub fn smallest_encoding_for(request_data_len: usize) -> ApduEncoding {
    if request_data_len <= SHORT_MAX_DATA {
        ApduEncoding::Short
    } else {
        ApduEncoding::Extended
    }
}
