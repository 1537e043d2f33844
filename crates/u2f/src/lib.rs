//! CTAP1/U2F raw messages (work in progress).
