//! CTAP status codes: CTAP 2.1 §8.2 "Status codes" (also used in CTAP 2.2, which adds no
//! new ones). Codes that CTAP 2.0 defined and 2.1 marked reserved are kept as named
//! variants because 2.0 authenticators still send them.

macro_rules! status_codes {
    ($( $(#[$doc:meta])* $variant:ident = $byte:literal, $spec:literal, $text:literal; )*) => {
        /// A CTAP status byte (the first byte of every CTAP2 response).
        ///
        /// `from(u8)` and `u8::from` round-trip every byte value: codes without a name are
        /// kept as [`StatusCode::ExtensionSpecific`], [`StatusCode::VendorSpecific`] or
        /// [`StatusCode::Unknown`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum StatusCode {
            $( $(#[$doc])* $variant, )*
            /// 0xE0..=0xEF: extension-specific error (CTAP2_ERR_EXTENSION_FIRST..LAST).
            ExtensionSpecific(u8),
            /// 0xF0..=0xFF: vendor-specific error (CTAP2_ERR_VENDOR_FIRST..LAST).
            VendorSpecific(u8),
            /// Any other byte the spec does not assign.
            Unknown(u8),
        }

        impl From<u8> for StatusCode {
            fn from(byte: u8) -> Self {
                match byte {
                    $( $byte => StatusCode::$variant, )*
                    0xe0..=0xef => StatusCode::ExtensionSpecific(byte),
                    0xf0..=0xff => StatusCode::VendorSpecific(byte),
                    other => StatusCode::Unknown(other),
                }
            }
        }

        impl From<StatusCode> for u8 {
            fn from(code: StatusCode) -> u8 {
                match code {
                    $( StatusCode::$variant => $byte, )*
                    StatusCode::ExtensionSpecific(b)
                    | StatusCode::VendorSpecific(b)
                    | StatusCode::Unknown(b) => b,
                }
            }
        }

        impl StatusCode {
            /// The spec's constant name, e.g. `CTAP2_ERR_PIN_INVALID`.
            pub fn spec_name(self) -> &'static str {
                match self {
                    $( StatusCode::$variant => $spec, )*
                    StatusCode::ExtensionSpecific(_) => "CTAP2_ERR_EXTENSION_*",
                    StatusCode::VendorSpecific(_) => "CTAP2_ERR_VENDOR_*",
                    StatusCode::Unknown(_) => "unassigned",
                }
            }

            /// A human explanation of the code.
            pub fn description(self) -> &'static str {
                match self {
                    $( StatusCode::$variant => $text, )*
                    StatusCode::ExtensionSpecific(_) => "extension-specific error",
                    StatusCode::VendorSpecific(_) => "vendor-specific error",
                    StatusCode::Unknown(_) => "status code not assigned by the CTAP specification",
                }
            }
        }
    };
}

status_codes! {
    /// 0x00 CTAP2_OK / CTAP1_ERR_SUCCESS.
    Ok = 0x00, "CTAP2_OK", "success";
    /// 0x01: the command is not a valid CTAP command.
    InvalidCommand = 0x01, "CTAP1_ERR_INVALID_COMMAND", "the command is not a valid CTAP command";
    /// 0x02: the command included an invalid parameter.
    InvalidParameter = 0x02, "CTAP1_ERR_INVALID_PARAMETER", "the command included an invalid parameter";
    /// 0x03: invalid message or item length.
    InvalidLength = 0x03, "CTAP1_ERR_INVALID_LENGTH", "invalid message or item length";
    /// 0x04: invalid message sequencing.
    InvalidSeq = 0x04, "CTAP1_ERR_INVALID_SEQ", "invalid message sequencing";
    /// 0x05: message timed out.
    Timeout = 0x05, "CTAP1_ERR_TIMEOUT", "message timed out";
    /// 0x06: channel busy.
    ChannelBusy = 0x06, "CTAP1_ERR_CHANNEL_BUSY", "channel busy: the authenticator is serving another client";
    /// 0x0A: command requires channel lock.
    LockRequired = 0x0a, "CTAP1_ERR_LOCK_REQUIRED", "command requires a channel lock";
    /// 0x0B: command not allowed on this channel ID.
    InvalidChannel = 0x0b, "CTAP1_ERR_INVALID_CHANNEL", "command not allowed on this channel";
    /// 0x11: invalid or unexpected CBOR type.
    CborUnexpectedType = 0x11, "CTAP2_ERR_CBOR_UNEXPECTED_TYPE", "a CBOR item has an unexpected type";
    /// 0x12: error when parsing CBOR.
    InvalidCbor = 0x12, "CTAP2_ERR_INVALID_CBOR", "the request is not valid CBOR";
    /// 0x14: missing non-optional parameter.
    MissingParameter = 0x14, "CTAP2_ERR_MISSING_PARAMETER", "a required parameter is missing";
    /// 0x15: limit for number of items exceeded.
    LimitExceeded = 0x15, "CTAP2_ERR_LIMIT_EXCEEDED", "a limit on the number of items was exceeded";
    /// 0x16 (CTAP 2.0 only, reserved in 2.1): unsupported extension.
    UnsupportedExtension = 0x16, "CTAP2_ERR_UNSUPPORTED_EXTENSION", "unsupported extension (CTAP 2.0)";
    /// 0x17: fingerprint database is full.
    FpDatabaseFull = 0x17, "CTAP2_ERR_FP_DATABASE_FULL", "the fingerprint database is full";
    /// 0x18: large blob storage is full.
    LargeBlobStorageFull = 0x18, "CTAP2_ERR_LARGE_BLOB_STORAGE_FULL", "large-blob storage is full";
    /// 0x19: valid credential found in the exclude list.
    CredentialExcluded = 0x19, "CTAP2_ERR_CREDENTIAL_EXCLUDED", "a credential in the exclude list already exists on this authenticator";
    /// 0x21: processing (lengthy operation is in progress).
    Processing = 0x21, "CTAP2_ERR_PROCESSING", "a lengthy operation is in progress";
    /// 0x22: credential not valid for the authenticator.
    InvalidCredential = 0x22, "CTAP2_ERR_INVALID_CREDENTIAL", "the credential is not valid for this authenticator";
    /// 0x23: authentication is waiting for user interaction.
    UserActionPending = 0x23, "CTAP2_ERR_USER_ACTION_PENDING", "waiting for user interaction";
    /// 0x24: processing, lengthy operation is in progress.
    OperationPending = 0x24, "CTAP2_ERR_OPERATION_PENDING", "an operation is pending";
    /// 0x25: no request is pending.
    NoOperations = 0x25, "CTAP2_ERR_NO_OPERATIONS", "no request is pending";
    /// 0x26: authenticator does not support requested algorithm.
    UnsupportedAlgorithm = 0x26, "CTAP2_ERR_UNSUPPORTED_ALGORITHM", "the authenticator supports none of the requested algorithms";
    /// 0x27: not authorized for requested operation.
    OperationDenied = 0x27, "CTAP2_ERR_OPERATION_DENIED", "the operation was denied";
    /// 0x28: internal key storage is full.
    KeyStoreFull = 0x28, "CTAP2_ERR_KEY_STORE_FULL", "the authenticator's credential storage is full";
    /// 0x29 (CTAP 2.0 only): no outstanding operations.
    NotBusy = 0x29, "CTAP2_ERR_NOT_BUSY", "no outstanding operations (CTAP 2.0)";
    /// 0x2A (CTAP 2.0 only): no outstanding operation pending.
    NoOperationPending = 0x2a, "CTAP2_ERR_NO_OPERATION_PENDING", "no operation pending (CTAP 2.0)";
    /// 0x2B: unsupported option.
    UnsupportedOption = 0x2b, "CTAP2_ERR_UNSUPPORTED_OPTION", "an option is not supported";
    /// 0x2C: not a valid option for current operation.
    InvalidOption = 0x2c, "CTAP2_ERR_INVALID_OPTION", "an option is not valid for this operation";
    /// 0x2D: pending keep-alive was cancelled.
    KeepaliveCancel = 0x2d, "CTAP2_ERR_KEEPALIVE_CANCEL", "the operation was cancelled";
    /// 0x2E: no valid credentials provided.
    NoCredentials = 0x2e, "CTAP2_ERR_NO_CREDENTIALS", "no matching credential on this authenticator";
    /// 0x2F: a user action timeout occurred.
    UserActionTimeout = 0x2f, "CTAP2_ERR_USER_ACTION_TIMEOUT", "the user did not act in time";
    /// 0x30: continuation command not allowed.
    NotAllowed = 0x30, "CTAP2_ERR_NOT_ALLOWED", "the command is not allowed now";
    /// 0x31: PIN invalid.
    PinInvalid = 0x31, "CTAP2_ERR_PIN_INVALID", "wrong PIN";
    /// 0x32: PIN blocked.
    PinBlocked = 0x32, "CTAP2_ERR_PIN_BLOCKED", "the PIN is blocked: too many wrong attempts; the authenticator must be reset";
    /// 0x33: PIN authentication (pinUvAuthParam) verification failed.
    PinAuthInvalid = 0x33, "CTAP2_ERR_PIN_AUTH_INVALID", "the PIN/UV auth parameter did not verify";
    /// 0x34: PIN authentication using pinUvAuthToken blocked; requires power cycle.
    PinAuthBlocked = 0x34, "CTAP2_ERR_PIN_AUTH_BLOCKED", "PIN attempts blocked until the authenticator is power-cycled";
    /// 0x35: no PIN has been set.
    PinNotSet = 0x35, "CTAP2_ERR_PIN_NOT_SET", "no PIN has been set";
    /// 0x36: a pinUvAuthToken is required (CTAP 2.0: CTAP2_ERR_PIN_REQUIRED).
    PuatRequired = 0x36, "CTAP2_ERR_PUAT_REQUIRED", "PIN or user verification is required for this operation";
    /// 0x37: PIN policy violation.
    PinPolicyViolation = 0x37, "CTAP2_ERR_PIN_POLICY_VIOLATION", "the PIN does not meet the authenticator's PIN policy";
    /// 0x38 (CTAP 2.0 only): pinToken expired.
    PinTokenExpired = 0x38, "CTAP2_ERR_PIN_TOKEN_EXPIRED", "the PIN token expired (CTAP 2.0)";
    /// 0x39: authenticator cannot handle this request due to memory constraints.
    RequestTooLarge = 0x39, "CTAP2_ERR_REQUEST_TOO_LARGE", "the request is too large for the authenticator";
    /// 0x3A: the current operation has timed out.
    ActionTimeout = 0x3a, "CTAP2_ERR_ACTION_TIMEOUT", "the current operation timed out";
    /// 0x3B: user presence is required for the requested operation.
    UpRequired = 0x3b, "CTAP2_ERR_UP_REQUIRED", "user presence (a touch) is required";
    /// 0x3C: built-in user verification is disabled.
    UvBlocked = 0x3c, "CTAP2_ERR_UV_BLOCKED", "built-in user verification is blocked; use the PIN";
    /// 0x3D: a checksum did not match.
    IntegrityFailure = 0x3d, "CTAP2_ERR_INTEGRITY_FAILURE", "a checksum did not match";
    /// 0x3E: the requested subcommand is either invalid or not implemented.
    InvalidSubcommand = 0x3e, "CTAP2_ERR_INVALID_SUBCOMMAND", "the subcommand is invalid or not implemented";
    /// 0x3F: built-in user verification unsuccessful.
    UvInvalid = 0x3f, "CTAP2_ERR_UV_INVALID", "built-in user verification failed";
    /// 0x40: the permissions parameter contains an unauthorized permission.
    UnauthorizedPermission = 0x40, "CTAP2_ERR_UNAUTHORIZED_PERMISSION", "the requested permission is not authorized";
    /// 0x7F: other unspecified error.
    Other = 0x7f, "CTAP1_ERR_OTHER", "unspecified error";
    /// 0xDF: CBOR error code range end (CTAP2_ERR_SPEC_LAST).
    SpecLast = 0xdf, "CTAP2_ERR_SPEC_LAST", "last specified CTAP2 error code";
}

impl StatusCode {
    /// Whether this is success (0x00).
    pub fn is_ok(self) -> bool {
        self == StatusCode::Ok
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:02x}): {}", self.spec_name(), u8::from(*self), self.description())
    }
}
