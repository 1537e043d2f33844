//! Registration: navigator.credentials.create() for a public-key credential
//! (WebAuthn L3 §5.1.3 "Create a New Credential") on one authenticator.

use std::time::Instant;

use keydesk_ctap::auth_data::{rp_id_hash, AuthenticatorData};
use keydesk_ctap::commands::GetInfoResponse;
use keydesk_ctap::cose::ALG_ES256;
use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity, PUBLIC_KEY};
use keydesk_ctap::extensions::{
    CredProtect, HmacSecretOutput, MakeCredentialExtensions, CRED_PROTECT, HMAC_SECRET,
    LARGE_BLOB_KEY, MIN_PIN_LENGTH,
};
use keydesk_ctap::extensions::{HmacSecretInput, HMAC_SECRET_MC};
use keydesk_ctap_client::{Client, Interaction, MakeCredentialArgs, UserVerification};
use keydesk_ctap_crypto::hmac_secret::{self, prf_salt, HmacSecretSalts};
use keydesk_ctap_crypto::SharedSecret;
use keydesk_transport::Device;
use rand_core::OsRng;

use crate::attestation::{attestation_object, convey, subject_public_key_info, Conveyance};
use crate::base64url::Base64Url;
use crate::base64url::SecretBase64Url;
use crate::client_data::{CeremonyType, CollectedClientData};
use crate::common::{attachment, ctap_descriptors, transports, user_verification, DeadlineUi};
use crate::error::WebAuthnError;
use crate::options::{ClientExtensionInputsJson, CreationOptionsJson};
use crate::origin::CallerOrigin;
use crate::response::{
    AttestationResponseJson, ClientExtensionOutputsJson, CredPropsOutput, LargeBlobOutput,
    PrfOutput, PrfResultsJson, RegistrationResponseJson,
};

/// RS256, in the spec's default pubKeyCredParams (§5.1.3 step 10).
const ALG_RS256: i64 = -257;

/// ResidentKeyRequirement (§5.4.6) after the Level 1 `requireResidentKey` fallback.
fn resident_key_requirement(options: &CreationOptionsJson) -> &str {
    let selection = options.authenticator_selection.as_ref();
    match selection.and_then(|s| s.resident_key.as_deref()) {
        Some(value @ ("required" | "preferred" | "discouraged")) => value,
        _ if selection.is_some_and(|s| s.require_resident_key) => "required",
        _ => "discouraged",
    }
}

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

/// The algorithms to ask for: the RP's, in its order, that the key lists (all of them when
/// the key lists none); the spec's default when the RP gave an empty list.
fn algorithms(
    options: &CreationOptionsJson,
    info: &GetInfoResponse,
) -> Result<Vec<CredentialParameters>, WebAuthnError> {
    let requested: Vec<i64> = if options.pub_key_cred_params.is_empty() {
        vec![ALG_ES256, ALG_RS256]
    } else {
        options
            .pub_key_cred_params
            .iter()
            .filter(|p| p.cred_type == PUBLIC_KEY)
            .map(|p| p.alg)
            .collect()
    };
    let supported = |alg: &i64| {
        info.algorithms.as_ref().is_none_or(|list| {
            list.iter()
                .any(|p| p.cred_type == PUBLIC_KEY && p.alg == *alg)
        })
    };
    let usable: Vec<CredentialParameters> = requested
        .iter()
        .filter(|alg| supported(alg))
        .map(|alg| CredentialParameters::public_key(*alg))
        .collect();
    if usable.is_empty() {
        let names: Vec<String> = requested.iter().map(i64::to_string).collect();
        return Err(WebAuthnError::NoSupportedAlgorithm(format!(
            "COSE algorithms {}",
            if names.is_empty() {
                "(none of type public-key)".to_owned()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(usable)
}

/// What was asked of the authenticator for the extensions, to build the outputs.
#[derive(Debug, Default)]
struct Requested {
    cred_props: bool,
    prf: bool,
    hmac_create_secret: bool,
    large_blob: bool,
    large_blob_sent: bool,
    min_pin_length: bool,
}

fn authenticator_extensions(
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

/// Creates a credential on the authenticator behind `client` for the RP's `options`, as a
/// browser at `origin` would (§5.1.3), and returns the RegistrationResponseJSON.
///
/// The front end `ui` answers touch/PIN events and may cancel; `deadline` (see
/// [`crate::ceremony_deadline`]) ends the ceremony with [`WebAuthnError::Timeout`].
pub fn register<D: Device>(
    client: &mut Client<D>,
    options: &CreationOptionsJson,
    origin: &str,
    ui: &mut dyn Interaction,
    deadline: Instant,
) -> Result<RegistrationResponseJson, WebAuthnError> {
    let mut ui = DeadlineUi::new(ui, deadline);
    let result = register_inner(client, options, origin, &mut ui);
    result.map_err(|e| ui.explain(e))
}

fn register_inner<D: Device>(
    client: &mut Client<D>,
    options: &CreationOptionsJson,
    origin: &str,
    ui: &mut DeadlineUi<'_>,
) -> Result<RegistrationResponseJson, WebAuthnError> {
    let caller = CallerOrigin::parse(origin)?;
    let rp_id = caller.rp_id(options.rp.id.as_deref())?;
    if options.user.id.0.is_empty() || options.user.id.0.len() > 64 {
        return Err(WebAuthnError::InvalidOptions(format!(
            "user.id must be 1 to 64 bytes, it is {}",
            options.user.id.0.len()
        )));
    }
    ui.check()?;

    let transport = client.descriptor().transport;
    let device_attachment = attachment(transport);
    let selection = options.authenticator_selection.clone().unwrap_or_default();
    if let Some(wanted @ ("platform" | "cross-platform")) =
        selection.authenticator_attachment.as_deref()
    {
        if wanted != device_attachment {
            return Err(WebAuthnError::RequirementNotMet(format!(
                "the site wants a {wanted} authenticator and this one is {device_attachment}"
            )));
        }
    }

    let info = client.ctap2_info()?.clone();
    let resident_key = match resident_key_requirement(options) {
        "required" => {
            if info.option("rk") != Some(true) {
                return Err(WebAuthnError::RequirementNotMet(
                    "the site requires a passkey stored on the key (discoverable credential) and this key cannot store one".to_owned(),
                ));
            }
            true
        }
        "preferred" => {
            info.option("rk") == Some(true) && info.remaining_discoverable_credentials != Some(0)
        }
        _ => false,
    };
    let uv = user_verification(selection.user_verification.as_deref());
    let pub_key_cred_params = algorithms(options, &info)?;
    let (mut extensions, requested) =
        authenticator_extensions(options.extensions.as_ref(), &info, resident_key)?;
    let prf_at_create = prf_eval_at_create(client, options, &info, &mut extensions)?;

    let client_data = CollectedClientData::new(
        CeremonyType::Create,
        &options.challenge.0,
        caller.serialized(),
    )
    .to_json();
    let client_data_hash = CollectedClientData::hash(&client_data);

    let mut user = UserEntity::new(options.user.id.0.clone());
    user.name = Some(options.user.name.clone());
    user.display_name = Some(options.user.display_name.clone());
    let mut rp = RpEntity::new(rp_id.clone());
    rp.name = Some(options.rp.name.clone());
    let args = MakeCredentialArgs {
        client_data_hash,
        rp,
        user,
        pub_key_cred_params,
        exclude_list: ctap_descriptors(&options.exclude_credentials),
        extensions,
        resident_key,
        user_verification: uv,
        enterprise_attestation: None,
    };
    let made = client.make_credential(&args, ui).map_err(|e| match e {
        keydesk_ctap_client::Error::Ctap(keydesk_ctap::StatusCode::UnsupportedAlgorithm) => {
            WebAuthnError::NoSupportedAlgorithm(
                "the key refused every algorithm offered".to_owned(),
            )
        }
        other => other.into(),
    })?;

    let auth_data = made
        .authenticator_data()
        .map_err(|e| WebAuthnError::InvalidResponse(format!("authenticator data: {e}")))?;
    check_auth_data(&auth_data, &rp_id, uv)?;
    let credential = auth_data.attested_credential.clone().ok_or_else(|| {
        WebAuthnError::InvalidResponse("makeCredential returned no attested credential".to_owned())
    })?;
    let algorithm = credential.public_key.alg().ok_or_else(|| {
        WebAuthnError::InvalidResponse("the credential public key names no algorithm".to_owned())
    })?;

    let statement = convey(
        Conveyance::parse(options.attestation.as_deref()),
        &made.attestation,
        &credential.aaguid,
    );
    let mut outputs = extension_outputs(
        &requested,
        &auth_data,
        resident_key,
        made.large_blob_key.is_some(),
    );
    if let (Some((shared, count)), Some(prf)) = (prf_at_create, outputs.prf.as_mut()) {
        prf.results = prf_results_at_create(&auth_data, &shared, count)?;
    }
    let credential_id = credential.credential_id.clone();
    Ok(RegistrationResponseJson {
        id: Base64Url::encode(&credential_id),
        raw_id: Base64Url(credential_id),
        response: AttestationResponseJson {
            client_data_json: Base64Url(client_data),
            authenticator_data: Base64Url(made.auth_data.clone()),
            transports: transports(&info, transport),
            public_key: subject_public_key_info(&credential.public_key).map(Base64Url),
            public_key_algorithm: algorithm,
            attestation_object: Base64Url(attestation_object(&statement, &made.auth_data)),
        },
        authenticator_attachment: Some(device_attachment.to_owned()),
        client_extension_results: outputs,
        cred_type: PUBLIC_KEY.to_owned(),
    })
}

/// The checks a careful client makes on what the key signed: the RP ID hash is the RP ID's,
/// the user was present, and verified when the RP required it.
pub(crate) fn check_auth_data(
    auth_data: &AuthenticatorData,
    rp_id: &str,
    uv: UserVerification,
) -> Result<(), WebAuthnError> {
    if auth_data.rp_id_hash != rp_id_hash(rp_id) {
        return Err(WebAuthnError::InvalidResponse(format!(
            "the authenticator data is not for RP ID {rp_id}"
        )));
    }
    if !auth_data.flags.user_present() {
        return Err(WebAuthnError::InvalidResponse(
            "the authenticator data does not show the user was present".to_owned(),
        ));
    }
    if uv == UserVerification::Required && !auth_data.flags.user_verified() {
        return Err(WebAuthnError::RequirementNotMet(
            "the site requires user verification and the key did not verify the user".to_owned(),
        ));
    }
    Ok(())
}

fn extension_outputs(
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
fn prf_eval_at_create<D: Device>(
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

fn prf_results_at_create(
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
