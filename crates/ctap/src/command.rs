//! CTAP2 command bytes: CTAP 2.1 §6 "Authenticator API" (the table of command values).

/// The first byte of every CTAP2 request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Command {
    /// 0x01 authenticatorMakeCredential (§6.1).
    MakeCredential,
    /// 0x02 authenticatorGetAssertion (§6.2).
    GetAssertion,
    /// 0x04 authenticatorGetInfo (§6.4).
    GetInfo,
    /// 0x06 authenticatorClientPIN (§6.5).
    ClientPin,
    /// 0x07 authenticatorReset (§6.6).
    Reset,
    /// 0x08 authenticatorGetNextAssertion (§6.3).
    GetNextAssertion,
    /// 0x09 authenticatorBioEnrollment (§6.7).
    BioEnrollment,
    /// 0x0A authenticatorCredentialManagement (§6.8).
    CredentialManagement,
    /// 0x0B authenticatorSelection (§6.9).
    Selection,
    /// 0x0C authenticatorLargeBlobs (§6.10).
    LargeBlobs,
    /// 0x0D authenticatorConfig (§6.11).
    Config,
    /// 0x40 authenticatorBioEnrollment, FIDO_2_1_PRE prototype command (§6.7).
    PrototypeBioEnrollment,
    /// 0x41 authenticatorCredentialManagement, FIDO_2_1_PRE prototype command (§6.8).
    PrototypeCredentialManagement,
}

impl Command {
    /// Every command, for iteration in tests and dispatch tables.
    pub const ALL: [Command; 13] = [
        Command::MakeCredential,
        Command::GetAssertion,
        Command::GetInfo,
        Command::ClientPin,
        Command::Reset,
        Command::GetNextAssertion,
        Command::BioEnrollment,
        Command::CredentialManagement,
        Command::Selection,
        Command::LargeBlobs,
        Command::Config,
        Command::PrototypeBioEnrollment,
        Command::PrototypeCredentialManagement,
    ];

    /// The command byte.
    pub fn byte(self) -> u8 {
        match self {
            Command::MakeCredential => 0x01,
            Command::GetAssertion => 0x02,
            Command::GetInfo => 0x04,
            Command::ClientPin => 0x06,
            Command::Reset => 0x07,
            Command::GetNextAssertion => 0x08,
            Command::BioEnrollment => 0x09,
            Command::CredentialManagement => 0x0a,
            Command::Selection => 0x0b,
            Command::LargeBlobs => 0x0c,
            Command::Config => 0x0d,
            Command::PrototypeBioEnrollment => 0x40,
            Command::PrototypeCredentialManagement => 0x41,
        }
    }

    /// The command for a byte, `None` if the byte is not a CTAP2 command.
    pub fn from_byte(byte: u8) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.byte() == byte)
    }

    /// The spec's name, e.g. `authenticatorGetInfo`.
    pub fn name(self) -> &'static str {
        match self {
            Command::MakeCredential => "authenticatorMakeCredential",
            Command::GetAssertion => "authenticatorGetAssertion",
            Command::GetInfo => "authenticatorGetInfo",
            Command::ClientPin => "authenticatorClientPIN",
            Command::Reset => "authenticatorReset",
            Command::GetNextAssertion => "authenticatorGetNextAssertion",
            Command::BioEnrollment => "authenticatorBioEnrollment",
            Command::CredentialManagement => "authenticatorCredentialManagement",
            Command::Selection => "authenticatorSelection",
            Command::LargeBlobs => "authenticatorLargeBlobs",
            Command::Config => "authenticatorConfig",
            Command::PrototypeBioEnrollment => "authenticatorBioEnrollment (prototype 0x40)",
            Command::PrototypeCredentialManagement => {
                "authenticatorCredentialManagement (prototype 0x41)"
            }
        }
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:02x})", self.name(), self.byte())
    }
}
