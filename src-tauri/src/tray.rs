//! The tray icon: show the window, quit, and the codes pinned to the tray
//! ([`set_pinned_codes`], fed by the codes commands).

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "keydesk";

/// A code shown in the tray menu: "label  123 456". Clicking copies nothing by itself: the
/// window opens on the Codes screen (codes are copied from there, with clipboard clearing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedCode {
    pub label: String,
    pub code: String,
}

fn menu<R: Runtime>(app: &AppHandle<R>, pinned: &[PinnedCode]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for (index, code) in pinned.iter().enumerate() {
        let item = MenuItem::with_id(app, format!("code:{index}"), format!("{}  {}", code.label, code.code), true, None::<&str>)?;
        menu.append(&item)?;
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

/// Adds the tray icon (no tray on a desktop without one is not an error).
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID).tooltip("KeyDesk").menu(&menu(app, &[])?);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder
        .on_menu_event(|app, event| match event.id().as_ref() {
            "quit" => app.exit(0),
            _ => show(app),
        })
        .build(app)?;
    Ok(())
}

/// Replaces the pinned codes shown in the tray menu.
pub fn set_pinned_codes<R: Runtime>(app: &AppHandle<R>, pinned: &[PinnedCode]) -> tauri::Result<()> {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_menu(Some(menu(app, pinned)?))?;
    }
    Ok(())
}
