//! Sans-IO CTAP 2.1 cryptography (work in progress).
