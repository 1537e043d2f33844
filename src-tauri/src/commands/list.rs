// The one list of commands the UI may call, as `module::command` (module under src/commands/).
// build.rs turns it into permissions (tauri_build::AppManifest::commands), lib.rs into the
// invoke handler, and tests check capabilities/default.json and ui/src/bindings against it.
// Add a command here, to capabilities/default.json ("allow-<name with - for _>"), and
// regenerate the bindings (see /work/app-conventions.md).
macro_rules! for_each_command {
    ($callback:ident) => {
        $callback! {
            ceremony::ceremony_answer,
            ceremony::ceremony_cancel,
            developer::app_info,
            developer::dev_attach_simulated_key,
            developer::dev_detach_simulated_key,
            developer::first_paint,
            devices::list_devices,
            devices::watch_devices,
            devices::rename_device,
            diagnostics::diagnostics,
            keys::key_info,
            keys::pin_set,
            keys::pin_change,
            keys::passkeys_list,
            keys::passkey_update_user,
            keys::passkey_delete,
            keys::fingerprints_list,
            keys::fingerprint_enroll,
            keys::fingerprint_rename,
            keys::fingerprint_delete,
            keys::settings_always_uv,
            keys::settings_min_pin_length,
            keys::settings_force_pin_change,
            keys::settings_enterprise_attestation,
            keys::reset_guide,
            keys::reset_key,
            codes::codes_status,
            codes::codes_create,
            codes::codes_unlock_password,
            codes::codes_unlock_keyring,
            codes::codes_unlock_security_key,
            codes::codes_lock,
            codes::codes_slot_keyring,
            codes::codes_slot_security_key_add,
            codes::codes_slot_security_key_remove,
            codes::codes_list,
            codes::codes_show,
            codes::codes_copy,
            codes::codes_clipboard_clear,
            codes::codes_add_uri,
            codes::codes_add_qr_image,
            codes::codes_add_screen,
            codes::codes_edit,
            codes::codes_set_tags,
            codes::codes_pin,
            codes::codes_reorder,
            codes::codes_delete,
            codes::codes_undo,
            codes::codes_import_preview,
            codes::codes_import_apply,
            codes::codes_export,
            codes::codes_qr,
            codes::codes_check_clock,
            servers::servers_list,
            servers::servers_add,
            servers::servers_remove,
            servers::servers_logon_password,
            servers::servers_logon_totp,
            servers::servers_logon_second_passkey,
            servers::servers_logon_passkey,
            servers::servers_logout,
            servers::servers_account,
            servers::servers_passkeys,
            servers::servers_passkey_enroll,
            servers::servers_passkey_rename,
            servers::servers_passkey_delete,
            servers::servers_step_up_status,
            servers::servers_step_up_code,
            servers::servers_step_up_email_start,
            servers::servers_step_up_passkey,
            servers::servers_bind_mfa,
            servers::servers_email_bind,
            servers::servers_email_confirm,
        }
    };
}

/// The command names, as the UI invokes them.
macro_rules! command_names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}
