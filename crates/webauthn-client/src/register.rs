//! Registration: navigator.credentials.create() for a public-key credential
//! (WebAuthn L3 §5.1.3 "Create a New Credential") on one authenticator.

use std::time::Instant;

use keydesk_ctap::auth_data::{rp_id_hash, AuthenticatorData};
use keydesk_ctap::commands::GetInfoResponse;
use keydesk_ctap::cose::ALG_ES256;
use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity, PUBLIC_KEY};
use keydesk_ctap_client::{Client, Interaction, MakeCredentialArgs, UserVerification};
use keydesk_transport::Device;

use crate::attestation::{attestation_object, convey, subject_public_key_info, Conveyance};
use crate::base64url::Base64Url;
use crate::client_data::{CeremonyType, CollectedClientData};
use crate::common::{attachment, ctap_descriptors, transports, user_verification, DeadlineUi};
use crate::create_extensions::{
    authenticator_extensions, extension_outputs, prf_eval_at_create, prf_results_at_create,
};
use crate::error::WebAuthnError;
use crate::options::CreationOptionsJson;
use crate::origin::CallerOrigin;
use crate::response::{AttestationResponseJson, RegistrationResponseJson};

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
