//! Clipboard hygiene for copied codes: the code is marked as not for clipboard history where
//! the platform allows, and clearing removes it only while the clipboard still holds it (the
//! user may have copied something else since).

use zeroize::Zeroizing;

use crate::error::CodesError;

/// The clipboard operations copying needs (the OS clipboard, or a fake in tests).
pub trait Clipboard: Send {
    /// The current text, `None` when the clipboard holds no text.
    fn text(&mut self) -> Result<Option<String>, String>;
    /// Puts `text` on the clipboard, kept out of clipboard-history managers where possible.
    fn set_sensitive_text(&mut self, text: &str) -> Result<(), String>;
    /// Empties the clipboard.
    fn clear(&mut self) -> Result<(), String>;
}

/// The system clipboard (X11/Wayland, macOS, Windows) through `arboard`, opened on first use.
#[derive(Default)]
pub struct OsClipboard {
    inner: Option<arboard::Clipboard>,
}

impl std::fmt::Debug for OsClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsClipboard").field("open", &self.inner.is_some()).finish()
    }
}

impl OsClipboard {
    fn open(&mut self) -> Result<&mut arboard::Clipboard, String> {
        if self.inner.is_none() {
            self.inner = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        self.inner.as_mut().ok_or_else(|| "the clipboard is not available".to_owned())
    }
}

impl Clipboard for OsClipboard {
    fn text(&mut self) -> Result<Option<String>, String> {
        match self.open()?.get_text() {
            Ok(text) => Ok(Some(text)),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(other) => Err(other.to_string()),
        }
    }

    fn set_sensitive_text(&mut self, text: &str) -> Result<(), String> {
        let clipboard = self.open()?;
        #[cfg(target_os = "linux")]
        {
            use arboard::SetExtLinux;
            clipboard.set().exclude_from_history().text(text).map_err(|e| e.to_string())
        }
        #[cfg(target_os = "windows")]
        {
            use arboard::SetExtWindows;
            clipboard.set().exclude_from_history().text(text).map_err(|e| e.to_string())
        }
        #[cfg(not(any(target_os = "linux", target_os = "windows")))]
        {
            clipboard.set_text(text).map_err(|e| e.to_string())
        }
    }

    fn clear(&mut self) -> Result<(), String> {
        self.open()?.clear().map_err(|e| e.to_string())
    }
}

/// Remembers the last code copied, so that clearing never removes anything else.
#[derive(Default)]
pub struct CopiedCode {
    last: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for CopiedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopiedCode").field("holding", &self.last.is_some()).finish()
    }
}

fn clipboard_error(error: String) -> CodesError {
    CodesError::Clipboard(error)
}

impl CopiedCode {
    /// Puts `code` on `clipboard` and remembers it.
    pub fn copy(&mut self, clipboard: &mut dyn Clipboard, code: &str) -> Result<(), CodesError> {
        clipboard.set_sensitive_text(code).map_err(clipboard_error)?;
        self.last = Some(Zeroizing::new(code.to_owned()));
        Ok(())
    }

    /// Empties `clipboard` if it still holds the code copied last; returns whether it did.
    pub fn clear_if_ours(&mut self, clipboard: &mut dyn Clipboard) -> Result<bool, CodesError> {
        let Some(ours) = self.last.take() else { return Ok(false) };
        let current = Zeroizing::new(clipboard.text().map_err(clipboard_error)?);
        if current.as_deref() != Some(ours.as_str()) {
            return Ok(false);
        }
        clipboard.clear().map_err(clipboard_error)?;
        Ok(true)
    }
}
