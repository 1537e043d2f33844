//! Capturing the screen to find QR codes on it (a sign-up page showing its QR code): the X11
//! root window through the X protocol (x11rb, pure Rust), or `grim` on Wayland desktops.

use keydesk_otp::qr;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};
use zeroize::Zeroizing;

use crate::error::CodesError;

fn screen_error(context: &str) -> impl FnOnce(String) -> CodesError + '_ {
    move |detail| CodesError::Screen(format!("{context}: {detail}"))
}

/// Every QR payload visible on the session's screen (they may hold secrets: zeroized on drop).
/// Fails with [`CodesError::NoQrOnScreen`] when the screen shows no readable QR code.
pub fn qr_payloads() -> Result<Vec<Zeroizing<String>>, CodesError> {
    qr_payloads_on(None)
}

/// [`qr_payloads`] on the X11 display `x11_display` (":99"), or on the session's display
/// (`DISPLAY`, else `WAYLAND_DISPLAY`) when `None`.
pub fn qr_payloads_on(x11_display: Option<&str>) -> Result<Vec<Zeroizing<String>>, CodesError> {
    let found = |decoded: Result<Vec<Zeroizing<String>>, qr::QrError>| match decoded {
        Ok(payloads) if !payloads.is_empty() => Ok(payloads),
        Ok(_) | Err(qr::QrError::NoQrCode) => Err(CodesError::NoQrOnScreen),
        Err(other) => Err(other.into()),
    };
    if x11_display.is_some() || std::env::var_os("DISPLAY").is_some() {
        let (width, height, luma) = capture_x11(x11_display)?;
        return found(qr::decode_luma(width, height, &luma));
    }
    if std::env::var_os("WAYLAND_DISPLAY").is_some() {
        let png = capture_wayland()?;
        return found(qr::decode_image(&png));
    }
    Err(CodesError::Screen(
        "no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set): save the QR code as an image and add it from the file".into(),
    ))
}

/// The root window as greyscale, one byte a pixel (ITU-R BT.601 weights).
fn capture_x11(display: Option<&str>) -> Result<(u32, u32, Zeroizing<Vec<u8>>), CodesError> {
    let (conn, screen_number) = x11rb::connect(display).map_err(|e| screen_error("connecting to the X display")(e.to_string()))?;
    let setup = conn.setup();
    let screen = setup.roots.get(screen_number).ok_or_else(|| CodesError::Screen("the X server has no such screen".into()))?;
    let (width, height) = (screen.width_in_pixels, screen.height_in_pixels);
    let format = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == screen.root_depth)
        .ok_or_else(|| CodesError::Screen("the X server does not describe its pixel format".into()))?;
    if format.bits_per_pixel != 32 || setup.image_byte_order != ImageOrder::LSB_FIRST {
        return Err(CodesError::Screen(format!(
            "screen capture supports 32-bit little-endian pixels; this display uses {} bits per pixel",
            format.bits_per_pixel
        )));
    }
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, width, height, !0)
        .map_err(|e| screen_error("capturing the screen")(e.to_string()))?
        .reply()
        .map_err(|e| screen_error("capturing the screen")(e.to_string()))?;
    // The pixels may show secrets (the QR code itself): wipe them once converted.
    let pixels = Zeroizing::new(image.data);
    let stride = usize::from(width) * 4;
    let mut luma = Zeroizing::new(Vec::with_capacity(usize::from(width) * usize::from(height)));
    for row in pixels.chunks_exact(stride).take(usize::from(height)) {
        for pixel in row.chunks_exact(4) {
            let (b, g, r) = (u32::from(pixel[0]), u32::from(pixel[1]), u32::from(pixel[2]));
            luma.push(u8::try_from((299 * r + 587 * g + 114 * b) / 1000).unwrap_or(u8::MAX));
        }
    }
    Ok((u32::from(width), u32::from(height), luma))
}

/// A PNG of the whole screen from `grim` (wlroots compositors; GNOME and KDE refuse screen
/// capture to ordinary programs, so there the user saves the QR code as a file instead).
fn capture_wayland() -> Result<Zeroizing<Vec<u8>>, CodesError> {
    let output = std::process::Command::new("grim").arg("-").output().map_err(|e| {
        screen_error("capturing the Wayland screen needs `grim` (or save the QR code as an image and add it from the file)")(e.to_string())
    })?;
    if !output.status.success() {
        return Err(CodesError::Screen(format!(
            "grim could not capture the screen ({}); save the QR code as an image and add it from the file",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(Zeroizing::new(output.stdout))
}
