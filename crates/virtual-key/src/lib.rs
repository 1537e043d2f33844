//! Software CTAP 2.1 authenticator (work in progress).
