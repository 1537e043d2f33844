//! The tray icon: the pinned accounts' codes, "Show KeyDesk" and "Quit".
//!
//! The codes are kept current from Rust ([`spawn_refresher`]): once a second the pinned codes
//! are recomputed from the unlocked vault ([`keydesk_codes::pinned`]) and the menu is rebuilt
//! only when a line changed (a period rolled over, an account was pinned, the vault was
//! locked). The window plays no part, so the tray stays right while the window is hidden.
//!
//! Clicking a code copies it, with the same clipboard clearing as the window's Copy button
//! ([`crate::commands::codes::copy_code`]). That is what Yubico Authenticator's tray does with
//! pinned ("favourite") accounts: the tray exists to get a code into the clipboard without
//! opening the window. A HOTP line says "press to generate": displaying never advances the
//! counter; clicking it generates the next code and copies it, like Copy in the window.

use crate::commands::codes::copy_code;
use crate::state::AppState;
use keydesk_codes::AccountId;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tauri::menu::{Menu, MenuItem, MenuItemKind, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "keydesk";
/// Menu item IDs of pinned codes: this prefix and the account ID.
const CODE_PREFIX: &str = "code:";

/// One line of the tray menu for a pinned account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedCode {
    /// The account ID.
    pub id: String,
    /// "ACME: alice   123 456" or "Home: bob   press to generate".
    pub text: String,
}

/// The tray menu as last built (managed state): the refresher compares with it, tests read it.
struct TrayMenu<R: Runtime> {
    shown: Mutex<Option<Vec<PinnedCode>>>,
    menu: Mutex<Option<Menu<R>>>,
}

fn tray_menu<R: Runtime>(app: &AppHandle<R>) -> tauri::State<'_, TrayMenu<R>> {
    if app.try_state::<TrayMenu<R>>().is_none() {
        app.manage(TrayMenu::<R> { shown: Mutex::default(), menu: Mutex::default() });
    }
    app.state::<TrayMenu<R>>()
}

fn menu<R: Runtime>(app: &AppHandle<R>, pinned: &[PinnedCode]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for code in pinned {
        menu.append(&MenuItem::with_id(app, format!("{CODE_PREFIX}{}", code.id), &code.text, true, None::<&str>)?)?;
    }
    if !pinned.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(app, "show", "Show KeyDesk", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The tray lines for the pinned accounts of the unlocked vault at `unix_time` (none while
/// the vault is locked).
pub fn pinned_lines(state: &AppState, unix_time: u64) -> Vec<PinnedCode> {
    state.codes.pinned(unix_time).iter().map(|p| PinnedCode { id: p.id.as_str().to_owned(), text: p.menu_text() }).collect()
}

/// Rebuilds the tray menu if the pinned lines changed since it was last built; returns
/// whether it did. Works without a tray icon (the menu is kept for when there is one).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<bool> {
    let lines = match app.try_state::<AppState>() {
        Some(state) => pinned_lines(&state, now()),
        None => Vec::new(),
    };
    let state = tray_menu(app);
    let mut shown = state.shown.lock().unwrap_or_else(PoisonError::into_inner);
    if shown.as_ref() == Some(&lines) {
        return Ok(false);
    }
    let new_menu = menu(app, &lines)?;
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_menu(Some(new_menu.clone()))?;
    }
    *state.menu.lock().unwrap_or_else(PoisonError::into_inner) = Some(new_menu);
    *shown = Some(lines);
    Ok(true)
}

/// The texts of the tray menu's items as last built, top to bottom (separators omitted).
pub fn menu_texts<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Vec<String>> {
    let menu = tray_menu(app).menu.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let Some(menu) = menu else { return Ok(Vec::new()) };
    let mut texts = Vec::new();
    for item in menu.items()? {
        if let MenuItemKind::MenuItem(item) = item {
            texts.push(item.text()?);
        }
    }
    Ok(texts)
}

/// What a click on a tray menu item does: a pinned code is copied (with the window's clipboard
/// clearing); "quit" quits; anything else, or a code that cannot be copied (the vault was
/// locked meanwhile), shows the window.
pub fn activate<R: Runtime>(app: &AppHandle<R>, item_id: &str) {
    if item_id == "quit" {
        app.exit(0);
        return;
    }
    let Some(account) = item_id.strip_prefix(CODE_PREFIX) else {
        show(app);
        return;
    };
    let Some(state) = app.try_state::<AppState>() else { return };
    match copy_code(&state, &AccountId::from_string(account.to_owned())) {
        Ok(copied) => {
            if let Some(tray) = app.tray_by_id(TRAY_ID) {
                let label = keydesk_codes::label(&copied.account.issuer, &copied.account.name);
                let _ = tray.set_tooltip(Some(format!("KeyDesk: code for {label} copied; the clipboard clears in {} s", copied.clear_after_seconds)));
                // Once the clipboard is cleared, the tooltip no longer mentions the copy.
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(u64::from(copied.clear_after_seconds)));
                    let _ = tray.set_tooltip(Some("KeyDesk"));
                });
            }
            // A HOTP counter moved: the next refresh shows the line unchanged, but the window's
            // list must be re-read; the refresher rebuilds the menu if anything else changed.
            let _ = refresh(app);
        }
        Err(_) => show(app),
    }
}

/// Adds the tray icon (no tray on a desktop without one is not an error for the caller to
/// fix: the app works without it) and starts the refresher.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let empty = menu(app, &[])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID).tooltip("KeyDesk").menu(&empty);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder
        .on_menu_event(|app, event| {
            let app = app.clone();
            let id = event.id().as_ref().to_owned();
            // Copying a HOTP code saves the vault: not on the main thread.
            std::thread::spawn(move || activate(&app, &id));
        })
        .build(app)?;
    let state = tray_menu(app);
    *state.menu.lock().unwrap_or_else(PoisonError::into_inner) = Some(empty);
    *state.shown.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
    spawn_refresher(app.clone());
    Ok(())
}

/// Refreshes the tray's codes at every second boundary, for the app's lifetime (the menu is
/// only rebuilt when a line changed, so at most once per period of a pinned code).
pub fn spawn_refresher<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || loop {
        let _ = refresh(&app);
        let into_second = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_millis()).unwrap_or(0);
        std::thread::sleep(Duration::from_millis(u64::from(1000 - into_second.min(999))));
    });
}
