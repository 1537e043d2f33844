//! Authentication: navigator.credentials.get() for a public-key credential
//! (WebAuthn L3 §5.1.4 "Use an Existing Credential") on one authenticator.

use std::time::Instant;

use keydesk_ctap::commands::{parse_large_blob_array, GetInfoResponse};
use keydesk_ctap::entities::{CredentialDescriptor, PUBLIC_KEY};
use keydesk_ctap::extensions::{GetAssertionExtensions, HMAC_SECRET, LARGE_BLOB_KEY};
use keydesk_ctap_client::{Client, GetAssertionArgs, Interaction};
use keydesk_ctap_crypto::hmac_secret::{prf_salt, HmacSecretSalts};
use keydesk_ctap_crypto::large_blob::{self, LargeBlobKey};
use keydesk_transport::Device;

use crate::base64url::{Base64Url, SecretBase64Url};
use crate::client_data::{CeremonyType, CollectedClientData};
use crate::common::{
    attachment, ctap_descriptors, find_held_credential, user_verification, DeadlineUi,
};
use crate::error::WebAuthnError;
use crate::options::{ClientExtensionInputsJson, PrfValuesJson, RequestOptionsJson};
use crate::origin::CallerOrigin;
use crate::register::check_auth_data;
use crate::response::{
    AssertionResponseJson, AuthenticationResponseJson, ClientExtensionOutputsJson, LargeBlobOutput,
    PrfOutput, PrfResultsJson,
};

/// The hmac-secret salts for PRF inputs (§10.1.4: salt = SHA-256("WebAuthn PRF" || 0 || x)).
fn prf_salts(values: &PrfValuesJson) -> HmacSecretSalts {
    HmacSecretSalts::new(
        prf_salt(&values.first.0),
        values.second.as_ref().map(|s| prf_salt(&s.0)),
    )
}

/// Checks the extension inputs against the allow list (§10.1.4, §10.1.5 client processing).
fn validate_extensions(
    inputs: &ClientExtensionInputsJson,
    allow: &[CredentialDescriptor],
) -> Result<(), WebAuthnError> {
    if let Some(by_credential) = inputs
        .prf
        .as_ref()
        .and_then(|p| p.eval_by_credential.as_ref())
    {
        if !by_credential.is_empty() && allow.is_empty() {
            return Err(WebAuthnError::InvalidOptions(
                "prf.evalByCredential needs allowCredentials (NotSupportedError, §10.1.4)"
                    .to_owned(),
            ));
        }
        for key in by_credential.keys() {
            let id = Base64Url::decode(key).map_err(|_| {
                WebAuthnError::InvalidOptions(format!(
                    "prf.evalByCredential key {key:?} is not base64url (SyntaxError)"
                ))
            })?;
            if !allow.iter().any(|d| d.id == id) {
                return Err(WebAuthnError::InvalidOptions(format!(
                    "prf.evalByCredential names {key:?}, which is not in allowCredentials (SyntaxError)"
                )));
            }
        }
    }
    if let Some(large_blob) = &inputs.large_blob {
        if large_blob.support.is_some() {
            return Err(WebAuthnError::InvalidOptions(
                "largeBlob.support is only valid at registration (§10.1.5)".to_owned(),
            ));
        }
        if large_blob.read == Some(true) && large_blob.write.is_some() {
            return Err(WebAuthnError::InvalidOptions(
                "largeBlob cannot read and write at once (§10.1.5)".to_owned(),
            ));
        }
        if large_blob.write.is_some() && allow.is_empty() {
            return Err(WebAuthnError::InvalidOptions(
                "largeBlob.write needs allowCredentials (§10.1.5)".to_owned(),
            ));
        }
    }
    Ok(())
}

/// The PRF inputs for the credential that will be used: its evalByCredential entry, else eval.
fn prf_values_for<'a>(
    inputs: &'a ClientExtensionInputsJson,
    credential: Option<&CredentialDescriptor>,
) -> Option<&'a PrfValuesJson> {
    let prf = inputs.prf.as_ref()?;
    let by_credential = credential.and_then(|c| {
        let key = Base64Url::encode(&c.id);
        prf.eval_by_credential.as_ref().and_then(|m| {
            m.iter()
                .find(|(k, _)| **k == key || Base64Url::decode(k).is_ok_and(|id| id == c.id))
                .map(|(_, v)| v)
        })
    });
    by_credential.or(prf.eval.as_ref())
}

/// Signs the RP's challenge with a credential on the authenticator behind `client`, as a
/// browser at `origin` would (§5.1.4), and returns the AuthenticationResponseJSON.
///
/// With allowCredentials, the key is first probed silently (`up=false`) for which of them
/// it holds; with none held the ceremony fails with [`WebAuthnError::NoCredentials`] before
/// the user is asked to touch anything (unless the list could hide credProtect level 3
/// credentials, which only show after user verification: then the key is asked anyway).
pub fn authenticate<D: Device>(
    client: &mut Client<D>,
    options: &RequestOptionsJson,
    origin: &str,
    ui: &mut dyn Interaction,
    deadline: Instant,
) -> Result<AuthenticationResponseJson, WebAuthnError> {
    let mut ui = DeadlineUi::new(ui, deadline);
    let result = authenticate_inner(client, options, origin, &mut ui);
    result.map_err(|e| ui.explain(e))
}

fn authenticate_inner<D: Device>(
    client: &mut Client<D>,
    options: &RequestOptionsJson,
    origin: &str,
    ui: &mut DeadlineUi<'_>,
) -> Result<AuthenticationResponseJson, WebAuthnError> {
    let caller = CallerOrigin::parse(origin)?;
    let rp_id = caller.rp_id(options.rp_id.as_deref())?;
    let allow = ctap_descriptors(&options.allow_credentials);
    if !options.allow_credentials.is_empty() && allow.is_empty() {
        return Err(WebAuthnError::NoCredentials);
    }
    let inputs = options.extensions.clone().unwrap_or_default();
    validate_extensions(&inputs, &allow)?;
    ui.check()?;

    let info = client.ctap2_info()?.clone();
    let uv = user_verification(options.user_verification.as_deref());
    let client_data =
        CollectedClientData::new(CeremonyType::Get, &options.challenge.0, caller.serialized())
            .to_json();
    let client_data_hash = CollectedClientData::hash(&client_data);

    let allow_list = if allow.is_empty() {
        Vec::new()
    } else {
        match find_held_credential(client, &rp_id, &client_data_hash, &allow)? {
            Some(held) => vec![held],
            // Level-3 credProtect credentials hide from silent probes; a key that can
            // verify the user may still find one, so only a key that cannot is skipped.
            None if info.option("clientPin") == Some(true) || info.option("uv") == Some(true) => {
                allow.clone()
            }
            None => return Err(WebAuthnError::NoCredentials),
        }
    };

    let prf_values = match allow_list.as_slice() {
        [only] => prf_values_for(&inputs, Some(only)),
        _ => prf_values_for(&inputs, None),
    };
    let wants_prf = inputs.prf.is_some();
    let hmac_secret_salts = match prf_values {
        Some(values) if info.supports_extension(HMAC_SECRET) => Some(prf_salts(values)),
        _ => None,
    };
    let large_blob = inputs.large_blob.clone();
    let large_blob_capable =
        info.option("largeBlobs") == Some(true) && info.supports_extension(LARGE_BLOB_KEY);
    let read_blob = large_blob.as_ref().is_some_and(|l| l.read == Some(true)) && large_blob_capable;
    let extensions = read_blob.then(|| GetAssertionExtensions {
        large_blob_key: Some(true),
        ..GetAssertionExtensions::default()
    });

    let args = GetAssertionArgs {
        rp_id: rp_id.clone(),
        client_data_hash,
        allow_list,
        extensions,
        user_presence: true,
        user_verification: uv,
        hmac_secret_salts,
    };
    let assertion = client.get_assertion(&args, ui)?;
    let response = &assertion.response;
    let auth_data = response
        .authenticator_data()
        .map_err(|e| WebAuthnError::InvalidResponse(format!("authenticator data: {e}")))?;
    check_auth_data(&auth_data, &rp_id, uv)?;
    let credential = response.credential.clone().ok_or_else(|| {
        WebAuthnError::InvalidResponse("the assertion names no credential".to_owned())
    })?;
    if !allow.is_empty() && !allow.iter().any(|d| d.id == credential.id) {
        return Err(WebAuthnError::InvalidResponse(
            "the key signed with a credential the site did not allow".to_owned(),
        ));
    }

    let mut outputs = ClientExtensionOutputsJson::default();
    if wants_prf {
        outputs.prf = Some(PrfOutput {
            enabled: None,
            results: assertion.hmac_secret.as_ref().map(|out| PrfResultsJson {
                first: SecretBase64Url(out.first().to_vec()),
                second: out.second().map(|s| SecretBase64Url(s.to_vec())),
            }),
        });
    }
    if let Some(large_blob) = &large_blob {
        let mut output = LargeBlobOutput::default();
        if read_blob {
            output.blob = match &response.large_blob_key {
                Some(key) => read_large_blob(client, &info, key.expose())?.map(SecretBase64Url),
                None => None,
            };
        }
        if let Some(data) = &large_blob.write {
            output.written = Some(
                large_blob_capable && client.write_large_blob(&credential.id, &data.0, ui).is_ok(),
            );
        }
        outputs.large_blob = Some(output);
    }

    let user_handle = response
        .user
        .as_ref()
        .filter(|u| !u.id.is_empty())
        .map(|u| Base64Url(u.id.clone()));
    Ok(AuthenticationResponseJson {
        id: Base64Url::encode(&credential.id),
        raw_id: Base64Url(credential.id.clone()),
        response: AssertionResponseJson {
            client_data_json: Base64Url(client_data),
            authenticator_data: Base64Url(response.auth_data.clone()),
            signature: Base64Url(response.signature.clone()),
            user_handle,
        },
        authenticator_attachment: Some(attachment(client.descriptor().transport).to_owned()),
        client_extension_results: outputs,
        cred_type: PUBLIC_KEY.to_owned(),
    })
}

/// The credential's large blob: the entry of the key's large-blob array that decrypts under
/// its largeBlobKey (CTAP 2.1 §6.10.3); `None` when there is none.
fn read_large_blob<D: Device>(
    client: &mut Client<D>,
    info: &GetInfoResponse,
    key: &[u8],
) -> Result<Option<Vec<u8>>, WebAuthnError> {
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| WebAuthnError::InvalidResponse("largeBlobKey is not 32 bytes".to_owned()))?;
    let key = LargeBlobKey::from_bytes(key);
    let raw = client.read_large_blob_array()?;
    let Ok(entries) = parse_large_blob_array(&raw) else {
        return Ok(None);
    };
    let max = usize::try_from(info.max_serialized_large_blob_array.unwrap_or(1024))
        .unwrap_or(usize::MAX)
        .saturating_mul(64);
    for entry in &entries {
        let sealed = large_blob::LargeBlobEntry {
            ciphertext: entry.ciphertext.clone(),
            nonce: entry.nonce.to_vec(),
            orig_size: entry.orig_size,
        };
        if let Ok(data) = large_blob::decrypt_entry(&key, &sealed, max) {
            return Ok(Some(data.to_vec()));
        }
    }
    Ok(None)
}
