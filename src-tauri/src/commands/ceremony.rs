//! The UI's side of a running ceremony: answer a prompt, or cancel.

use crate::ceremony::CeremonyAnswer;
use crate::error::AppResult;
use crate::state::AppState;
use tauri::State;

/// Answers the prompt ceremony `ceremony` waits on (a PIN, a choice, or cancel).
#[tauri::command(rename_all = "snake_case")]
pub fn ceremony_answer(state: State<'_, AppState>, ceremony: String, answer: CeremonyAnswer) -> AppResult<()> {
    state.ceremonies.answer(&ceremony, answer)
}

/// Cancels ceremony `ceremony`: its prompt closes and a key waiting for a touch is told to stop.
#[tauri::command(rename_all = "snake_case")]
pub fn ceremony_cancel(state: State<'_, AppState>, ceremony: String) -> AppResult<()> {
    state.ceremonies.cancel(&ceremony)
}
