//! Waiting for pcscd's own view of a reader: a card lifted off the reader must be seen as gone
//! by pcscd before it is put back, or pcscd never sees a new card (and nothing may probe the
//! reader meanwhile). This asks pcscd, with SCardGetStatusChange, and never touches the card.

use std::time::{Duration, Instant};

/// The reader name of vpcd's slot 0 (Debian's /etc/reader.conf.d/vpcd).
pub const VPCD_READER: &str = "Virtual PCD 00 00";

/// Waits until pcscd reports a card on `reader` (`present`) or the reader empty (`!present`).
pub fn wait_for_card(reader: &str, present: bool, limit: Duration) -> Result<(), String> {
    let context = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| format!("PC/SC is unavailable: {e}"))?;
    let name = std::ffi::CString::new(reader).map_err(|_| format!("bad reader name {reader:?}"))?;
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let wanted = if present { pcsc::State::PRESENT } else { pcsc::State::EMPTY };
    let deadline = Instant::now() + limit;
    loop {
        // A timeout or a reader not there yet is just "not yet".
        let _ = context.get_status_change(Duration::from_millis(200), &mut states);
        if states.iter().any(|state| state.event_state().contains(wanted)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("pcscd did not see the reader {reader} {} within {limit:?}", if present { "holding a card" } else { "empty" }));
        }
        for state in &mut states {
            state.sync_current_state();
        }
    }
}
