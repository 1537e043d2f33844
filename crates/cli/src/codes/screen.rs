//! Capturing the screen to find QR codes on it (a sign-up page showing its QR code): the X11
//! root window through the X protocol (x11rb, pure Rust), or `grim` on Wayland desktops.

use anyhow::Context;
use keydesk_otp::qr;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat};
use zeroize::Zeroizing;

/// Every QR payload visible on the screen.
pub fn qr_payloads() -> anyhow::Result<Vec<Zeroizing<String>>> {
    if std::env::var_os("DISPLAY").is_some() {
        let (width, height, luma) = capture_x11()?;
        return qr::decode_luma(width, height, &luma).context("looking for a QR code on the screen");
    }
    if std::env::var_os("WAYLAND_DISPLAY").is_some() {
        let png = capture_wayland()?;
        return qr::decode_image(&png).context("looking for a QR code on the screen");
    }
    anyhow::bail!("no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set): save the QR code as an image and use --qr FILE")
}

/// The root window as greyscale, one byte a pixel (ITU-R BT.601 weights).
fn capture_x11() -> anyhow::Result<(u32, u32, Zeroizing<Vec<u8>>)> {
    let (conn, screen_number) = x11rb::connect(None).context("connecting to the X display")?;
    let setup = conn.setup();
    let screen = setup.roots.get(screen_number).context("the X server has no such screen")?;
    let (width, height) = (screen.width_in_pixels, screen.height_in_pixels);
    let format = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == screen.root_depth)
        .context("the X server does not describe its pixel format")?;
    if format.bits_per_pixel != 32 || setup.image_byte_order != x11rb::protocol::xproto::ImageOrder::LSB_FIRST {
        anyhow::bail!(
            "screen capture supports 32-bit little-endian pixels; this display uses {} bits per pixel",
            format.bits_per_pixel
        );
    }
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, width, height, !0)?
        .reply()
        .context("capturing the screen")?;
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
fn capture_wayland() -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let output = std::process::Command::new("grim")
        .arg("-")
        .output()
        .context("capturing the Wayland screen needs `grim` (or save the QR code as an image and use --qr FILE)")?;
    if !output.status.success() {
        anyhow::bail!(
            "grim could not capture the screen ({}); save the QR code as an image and use --qr FILE",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(Zeroizing::new(output.stdout))
}
