//! The extensions of registration (WebAuthn L3 §9, §10; CTAP 2.1 §12): client inputs
//! mapped to authenticator inputs for the key at hand, and the client outputs built from
//! what the key returned.

use keydesk_ctap::auth_data::AuthenticatorData;
use keydesk_ctap::commands::GetInfoResponse;
use keydesk_ctap::extensions::{
    CredProtect, HmacSecretInput, HmacSecretOutput, MakeCredentialExtensions, CRED_PROTECT,
    HMAC_SECRET, HMAC_SECRET_MC, LARGE_BLOB_KEY, MIN_PIN_LENGTH,
};
use keydesk_ctap_client::Client;
use keydesk_ctap_crypto::hmac_secret::{self, prf_salt, HmacSecretSalts};
use keydesk_ctap_crypto::SharedSecret;
use keydesk_transport::Device;
use rand_core::OsRng;

use crate::base64url::SecretBase64Url;
use crate::error::WebAuthnError;
use crate::options::{ClientExtensionInputsJson, CreationOptionsJson};
use crate::response::{
    ClientExtensionOutputsJson, CredPropsOutput, LargeBlobOutput, PrfOutput, PrfResultsJson,
};

/// credProtect policy names (CTAP 2.1 §12.1, WebAuthn's credentialProtectionPolicy).
fn cred_protect_level(name: &str) -> Option<CredProtect> {
    match name {
        "userVerificationOptional" => Some(CredProtect::UserVerificationOptional),
        "userVerificationOptionalWithCredentialIDList" => {
            Some(CredProtect::UserVerificationOptionalWithCredentialIdList)
        }
        "userVerificationRequired" => Some(CredProtect::UserVerificationRequired),
        _ => None,
    }
}

/// What was asked of the authenticator for the extensions, to build the outputs.
#[derive(Debug, Default)]
pub(crate) struct Requested {
    cred_props: bool,
    prf: bool,
    hmac_create_secret: bool,
    large_blob: bool,
    large_blob_sent: bool,
    min_pin_length: bool,
}

pub(crate) fn authenticator_extensions(
    inputs: Option<&ClientExtensionInputsJson>,
    info: &GetInfoResponse,
    resident_key: bool,
) -> Result<(Option<MakeCredentialExtensions>, Requested), WebAuthnError> {
    let mut requested = Requested::default();
    let Some(inputs) = inputs else {
        return Ok((None, requested));
    };
    let mut ext = MakeCredentialExtensions::default();
    requested.cred_props = inputs.cred_props == Some(true);

    requested.prf = inputs.prf.is_some();
    requested.hmac_create_secret = inputs.hmac_create_secret == Some(true);
    if let Some(prf) = &inputs.prf {
        if prf.eval_by_credential.is_some() {
            return Err(WebAuthnError::InvalidOptions(
                "prf.evalByCredential is only valid when signing in (§10.1.4)".to_owned(),
            ));
        }
    }
    if (requested.prf || requested.hmac_create_secret) && info.supports_extension(HMAC_SECRET) {
        ext.hmac_secret = Some(true);
    }

    if let Some(name) = &inputs.credential_protection_policy {
        let level = cred_protect_level(name).ok_or_else(|| {
            WebAuthnError::InvalidOptions(format!("unknown credentialProtectionPolicy {name:?}"))
        })?;
        let enforce = inputs.enforce_credential_protection_policy == Some(true);
        if info.supports_extension(CRED_PROTECT) {
            ext.cred_protect = Some(level);
        } else if enforce && level != CredProtect::UserVerificationOptional {
            return Err(WebAuthnError::RequirementNotMet(format!(
                "the site requires the credential protection policy {name} and the key does not support credProtect"
            )));
        }
    }

    if let Some(large_blob) = &inputs.large_blob {
        if large_blob.read.is_some() || large_blob.write.is_some() {
            return Err(WebAuthnError::InvalidOptions(
                "largeBlob read/write are only valid when signing in (§10.1.5)".to_owned(),
            ));
        }
        requested.large_blob = true;
        let capable = resident_key
            && info.option("largeBlobs") == Some(true)
            && info.supports_extension(LARGE_BLOB_KEY);
        if capable {
            ext.large_blob_key = Some(true);
            requested.large_blob_sent = true;
        } else if large_blob.support.as_deref() == Some("required") {
            return Err(WebAuthnError::RequirementNotMet(
                "the site requires large-blob storage, which needs a discoverable credential on a key with largeBlobs".to_owned(),
            ));
        }
    }

    if inputs.min_pin_length == Some(true) && info.supports_extension(MIN_PIN_LENGTH) {
        ext.min_pin_length = Some(true);
        requested.min_pin_length = true;
    }
    let ext = (ext != MakeCredentialExtensions::default()).then_some(ext);
    Ok((ext, requested))
}

pub(crate) fn extension_outputs(
    requested: &Requested,
    auth_data: &AuthenticatorData,
    resident_key: bool,
    got_large_blob_key: bool,
) -> ClientExtensionOutputsJson {
    let ext = auth_data.extensions.clone().unwrap_or_default();
    let hmac_created = matches!(ext.hmac_secret, Some(HmacSecretOutput::Created(true)));
    ClientExtensionOutputsJson {
        cred_props: requested
            .cred_props
            .then_some(CredPropsOutput { rk: resident_key }),
        prf: requested.prf.then_some(PrfOutput {
            enabled: Some(hmac_created),
            results: None,
        }),
        large_blob: requested.large_blob.then_some(LargeBlobOutput {
            supported: Some(requested.large_blob_sent && got_large_blob_key),
            blob: None,
            written: None,
        }),
        min_pin_length: if requested.min_pin_length {
            ext.min_pin_length.and_then(|n| u32::try_from(n).ok())
        } else {
            None
        },
        hmac_create_secret: requested.hmac_create_secret.then_some(hmac_created),
    }
}

/// PRF `eval` at registration (§10.1.4) through CTAP 2.2 hmac-secret-mc: the salts go out
/// encrypted with the makeCredential, the outputs come back in the authenticator data. A key
/// without hmac-secret-mc gives no results at creation (the RP evaluates at sign-in).
pub(crate) fn prf_eval_at_create<D: Device>(
    client: &mut Client<D>,
    options: &CreationOptionsJson,
    info: &GetInfoResponse,
    extensions: &mut Option<MakeCredentialExtensions>,
) -> Result<Option<(SharedSecret, usize)>, WebAuthnError> {
    let eval = options
        .extensions
        .as_ref()
        .and_then(|e| e.prf.as_ref())
        .and_then(|p| p.eval.as_ref());
    let Some(eval) = eval else {
        return Ok(None);
    };
    let Some(ext) = extensions.as_mut().filter(|e| e.hmac_secret == Some(true)) else {
        return Ok(None);
    };
    if !info.supports_extension(HMAC_SECRET_MC) {
        return Ok(None);
    }
    let salts = HmacSecretSalts::new(
        prf_salt(&eval.first.0),
        eval.second.as_ref().map(|s| prf_salt(&s.0)),
    );
    let protocol = client.pin_protocol()?;
    let (platform_key, shared) = client.key_agreement(protocol)?;
    let encrypted = hmac_secret::encrypt_salts(&shared, &salts, &mut OsRng)
        .map_err(|e| WebAuthnError::InvalidResponse(format!("hmac-secret-mc salts: {e}")))?;
    ext.hmac_secret_mc = Some(HmacSecretInput {
        key_agreement: platform_key,
        salt_enc: encrypted.salt_enc,
        salt_auth: encrypted.salt_auth,
        pin_uv_auth_protocol: Some(protocol.number()),
    });
    Ok(Some((shared, salts.count())))
}

pub(crate) fn prf_results_at_create(
    auth_data: &AuthenticatorData,
    shared: &SharedSecret,
    count: usize,
) -> Result<Option<PrfResultsJson>, WebAuthnError> {
    let Some(encrypted) = auth_data
        .extensions
        .as_ref()
        .and_then(|e| e.hmac_secret_mc.as_ref())
    else {
        return Ok(None);
    };
    let outputs = hmac_secret::decrypt_output(shared, encrypted, count)
        .map_err(|e| WebAuthnError::InvalidResponse(format!("hmac-secret-mc output: {e}")))?;
    Ok(Some(PrfResultsJson {
        first: SecretBase64Url(outputs.first().to_vec()),
        second: outputs.second().map(|s| SecretBase64Url(s.to_vec())),
    }))
}
