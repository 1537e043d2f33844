//! # keydesk-desktop: the KeyDesk desktop app
//!
//! A thin Tauri 2 shell over the same libraries the `keydesk` CLI uses: each command in
//! [`commands`] turns the UI's arguments into library calls and the results into view types
//! that `ts-rs` exports to `ui/src/bindings/` (a test fails when they drift). Nothing under
//! `crates/` depends on tauri.
//!
//! - Errors reach the UI as [`error::AppError`] `{kind, message}`.
//! - Work that needs the user (touch, PIN with retries left, choices) or reports progress runs
//!   as a [`ceremony`]: events over a Tauri Channel, answers and cancel through commands.
//! - Secrets stay here: the UI sends PINs in, and receives no key material.
//! - The capability file (`capabilities/default.json`) allows exactly the commands of
//!   `src/commands/list.rs`, from which build.rs generates the permissions.

include!("commands/list.rs");

pub mod bindings;
pub mod ceremony;
pub mod commands;
pub mod error;
pub mod registry;
pub mod secret;
pub mod state;
pub mod tray;

use registry::Registry;
use state::{AppState, Options};

/// Every command name the UI may invoke.
pub const COMMANDS: &[&str] = for_each_command!(command_names);

macro_rules! invoke_handler {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// The app's commands and state on any runtime (the real one, or `tauri::test`'s mock).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(for_each_command!(invoke_handler))
}

const USAGE: &str = "usage: keydesk-desktop [--developer] [--simulated-key] [--simulated-key-state FILE] [--server URL] [--data-dir DIR]

  --developer                 show the developer menu (attach a simulated security key)
  --simulated-key             attach the simulated security key at start (implies --developer)
  --simulated-key-state FILE  keep the simulated key's passkeys and PIN in FILE
  --server URL                the relying-party server (default: the local reference server)
  --data-dir DIR              where KeyDesk keeps its data (default: the platform data dir)
Environment: KEYDESK_DEVELOPER=1 as --developer, KEYDESK_SIMULATED_KEY=1 as --simulated-key,
KEYDESK_SERVER_URL as --server, KEYDESK_DATA_DIR as --data-dir.";

/// Parses the command line (and the KEYDESK_* environment) into [`Options`].
pub fn parse_options(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    let env_on = |name: &str| std::env::var(name).is_ok_and(|v| v == "1" || v == "true");
    options.developer = env_on("KEYDESK_DEVELOPER");
    options.simulated_key = env_on("KEYDESK_SIMULATED_KEY");
    options.server_url = std::env::var("KEYDESK_SERVER_URL").ok();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--developer" => options.developer = true,
            "--simulated-key" => options.simulated_key = true,
            "--simulated-key-state" => options.simulated_key_state = Some(value("--simulated-key-state")?.into()),
            "--server" => options.server_url = Some(value("--server")?),
            "--data-dir" => options.data_dir = Some(value("--data-dir")?.into()),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    options.developer |= options.simulated_key;
    if options.data_dir.is_none() {
        options.data_dir = std::env::var_os("KEYDESK_DATA_DIR").map(Into::into).or_else(|| {
            directories::ProjectDirs::from("", "", "keydesk").map(|dirs| dirs.data_dir().to_path_buf())
        });
    }
    Ok(options)
}

/// Starts the app: `keydesk-desktop [options]` (see [`parse_options`]).
pub fn main() -> std::process::ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    let registry = Registry::new(options.data_dir.as_ref().map(|dir| dir.join("key-names.json")));
    if options.simulated_key {
        if let Err(error) = registry.attach_simulated(options.simulated_key_state.as_deref()) {
            eprintln!("{}", error.message);
            return std::process::ExitCode::FAILURE;
        }
    }
    let state = AppState::new(registry, options);
    let result = with_commands(tauri::Builder::default(), state)
        .setup(|app| {
            tray::install(app.handle())?;
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("KeyDesk could not start: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
