//! authenticatorMakeCredential (CTAP 2.1 §6.1) and authenticatorGetAssertion /
//! authenticatorGetNextAssertion (§6.2, §6.3) at the CTAP level: pinUvAuthParam from a token
//! with the right permission and RP ID, exclude/allow list pre-flight within
//! maxCredentialCountInList, extensions passed through, hmac-secret encrypted and decrypted.
//! The WebAuthn layer (origins, clientDataJSON, options JSON) sits above this.

use keydesk_ctap::commands::{
    GetAssertionRequest, GetAssertionResponse, GetInfoResponse, GetNextAssertionRequest,
    MakeCredentialRequest, MakeCredentialResponse, Permissions, RequestOptions,
};
use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::extensions::{
    GetAssertionExtensions, HmacSecretInput, HmacSecretOutput as HmacSecretExtOutput,
    MakeCredentialExtensions, HMAC_SECRET,
};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::hmac_secret::{self, HmacSecretOutput, HmacSecretSalts};
use keydesk_ctap_crypto::SharedSecret;
use keydesk_transport::Device;
use rand_core::OsRng;

use crate::client::{bounded_count, Client, KeyInfo};
use crate::error::{Error, Feature};
use crate::interaction::{Interaction, Purpose};
use crate::pin::Silent;
use crate::token::PinUvToken;

/// How much user verification the caller wants (WebAuthn L3 §5.8.6
/// UserVerificationRequirement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserVerification {
    /// Fail rather than proceed without UV.
    Required,
    /// Verify when the key is protected by a PIN or built-in UV.
    #[default]
    Preferred,
    /// Do not verify unless the key insists (alwaysUv).
    Discouraged,
}

/// The inputs of [`Client::make_credential`].
#[derive(Debug, Clone)]
pub struct MakeCredentialArgs {
    /// SHA-256 of the clientDataJSON.
    pub client_data_hash: [u8; 32],
    /// The relying party.
    pub rp: RpEntity,
    /// The user account.
    pub user: UserEntity,
    /// Acceptable algorithms, the RP's preference first.
    pub pub_key_cred_params: Vec<CredentialParameters>,
    /// Credentials that must not be created again on this key.
    pub exclude_list: Vec<CredentialDescriptor>,
    /// Authenticator extension inputs, passed through as given.
    pub extensions: Option<MakeCredentialExtensions>,
    /// Store a discoverable credential (a passkey on the key).
    pub resident_key: bool,
    /// User verification wanted.
    pub user_verification: UserVerification,
    /// enterpriseAttestation (1 or 2) when the RP asked for it and the platform allows it.
    pub enterprise_attestation: Option<u32>,
}

/// The inputs of [`Client::get_assertion`].
#[derive(Debug, Clone)]
pub struct GetAssertionArgs {
    /// The RP ID.
    pub rp_id: String,
    /// SHA-256 of the clientDataJSON.
    pub client_data_hash: [u8; 32],
    /// Acceptable credentials; empty for discoverable credentials.
    pub allow_list: Vec<CredentialDescriptor>,
    /// Authenticator extension inputs, passed through as given (hmac-secret is built from
    /// `hmac_secret_salts` instead).
    pub extensions: Option<GetAssertionExtensions>,
    /// Require a touch (`up`); false only for silent probes.
    pub user_presence: bool,
    /// User verification wanted.
    pub user_verification: UserVerification,
    /// hmac-secret salts (CTAP 2.1 §12.5); the outputs come back decrypted.
    pub hmac_secret_salts: Option<HmacSecretSalts>,
}

/// One assertion with its decrypted hmac-secret outputs.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The key's response (the credential is filled in from a one-entry allow list when the
    /// key omitted it, as §6.2 allows).
    pub response: GetAssertionResponse,
    /// hmac-secret output1 (and output2), when salts were sent.
    pub hmac_secret: Option<HmacSecretOutput>,
}

/// Whether a key is protected by a PIN or built-in UV and how a token can be had.
struct UvPlan {
    /// Obtain a pinUvAuthToken (PIN, or built-in UV with pinUvAuthToken).
    use_token: bool,
    /// CTAP 2.0 built-in UV without tokens: send `uv: true`.
    uv_option: bool,
}

fn plan_uv(
    info: &GetInfoResponse,
    wanted: UserVerification,
    resident_key: bool,
) -> Result<UvPlan, Error> {
    let pin_set = info.option("clientPin") == Some(true);
    let uv_ready = info.option("uv") == Some(true);
    let uv_tokens = uv_ready && info.option("pinUvAuthToken") == Some(true);
    let protected = pin_set || uv_ready;
    let needs = match wanted {
        UserVerification::Required => true,
        UserVerification::Preferred => protected,
        UserVerification::Discouraged => {
            info.option("alwaysUv") == Some(true)
                || (resident_key && protected && info.option("makeCredUvNotRqd") != Some(true))
        }
    };
    if !needs {
        return Ok(UvPlan {
            use_token: false,
            uv_option: false,
        });
    }
    if pin_set || uv_tokens {
        return Ok(UvPlan {
            use_token: true,
            uv_option: false,
        });
    }
    if uv_ready {
        return Ok(UvPlan {
            use_token: false,
            uv_option: true,
        });
    }
    match info.option("clientPin") {
        Some(false) => Err(Error::PinNotSet),
        _ => Err(Error::Unsupported(Feature::Pin)),
    }
}

/// The list limits of getInfo: maxCredentialCountInList (default 1) and
/// maxCredentialIdLength; descriptors with longer IDs cannot be on this key and are dropped.
fn usable_list(
    info: &GetInfoResponse,
    list: &[CredentialDescriptor],
) -> (Vec<CredentialDescriptor>, usize) {
    let max_id = info
        .max_credential_id_length
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let max_count = info
        .max_credential_count_in_list
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1)
        .max(1);
    let kept = list
        .iter()
        .filter(|d| d.id.len() <= max_id)
        .cloned()
        .collect();
    (kept, max_count)
}

impl<D: Device> Client<D> {
    /// Runs `op` with a token for `permissions`/`rp_id`; when a cached token turns out to be
    /// expired (PIN_AUTH_INVALID), it is dropped and one fresh token is obtained (which asks the
    /// user again).
    pub(crate) fn with_token<T>(
        &mut self,
        permissions: Permissions,
        rp_id: Option<&str>,
        purpose: Purpose,
        ui: &mut dyn Interaction,
        mut op: impl FnMut(&mut Self, &PinUvToken, &mut dyn Interaction) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let was_cached = self.cached_token(permissions, rp_id).is_some();
        let token = self.token(permissions, rp_id, purpose, ui)?;
        match op(self, &token, ui) {
            Err(Error::Ctap(StatusCode::PinAuthInvalid)) if was_cached => {
                self.forget_token();
                let token = self.token(permissions, rp_id, purpose, ui)?;
                op(self, &token, ui)
            }
            other => other,
        }
    }

    /// authenticatorMakeCredential (CTAP 2.1 §6.1); on a U2F-only key, U2F_REGISTER mapped as
    /// §10.2 describes.
    pub fn make_credential(
        &mut self,
        args: &MakeCredentialArgs,
        ui: &mut dyn Interaction,
    ) -> Result<MakeCredentialResponse, Error> {
        if self.info()? == &KeyInfo::U2fOnly {
            return self.make_credential_u2f(args, ui);
        }
        let info = self.ctap2_info()?.clone();
        if args.resident_key && info.option("rk") != Some(true) {
            return Err(Error::Unsupported(Feature::DiscoverableCredentials));
        }
        if args.enterprise_attestation.is_some() && info.option("ep") != Some(true) {
            // §6.1.2 step 9: only a key with enterprise attestation enabled accepts the member.
            return Err(Error::Unsupported(Feature::EnterpriseAttestation));
        }
        let plan = plan_uv(&info, args.user_verification, args.resident_key)?;
        let rp_id = args.rp.id.clone();
        let build = |client: &mut Self, token: Option<&PinUvToken>, ui: &mut dyn Interaction| {
            let exclude = client.exclude_preflight(&info, args, ui)?;
            let mut request = MakeCredentialRequest::new(
                args.client_data_hash,
                args.rp.clone(),
                args.user.clone(),
                args.pub_key_cred_params.clone(),
            );
            request.exclude_list = exclude;
            request.extensions = args.extensions.clone();
            request.enterprise_attestation = args.enterprise_attestation;
            let options = RequestOptions {
                rk: args.resident_key.then_some(true),
                up: None,
                uv: plan.uv_option.then_some(true),
            };
            request.options = (!options.is_empty()).then_some(options);
            if let Some(token) = token {
                request.pin_uv_auth_param = Some(token.auth_param(&args.client_data_hash));
                request.pin_uv_auth_protocol = Some(token.protocol_number());
            }
            client.send::<_, MakeCredentialResponse>(&request, ui)
        };
        if plan.use_token {
            let permissions = Permissions::MAKE_CREDENTIAL | Permissions::GET_ASSERTION;
            let made = self.with_token(
                permissions,
                Some(&rp_id),
                Purpose::MakeCredential,
                ui,
                |c, t, ui| build(c, Some(t), ui),
            );
            // §6.1.2: a successful makeCredential clears the token's permissions except lbw.
            self.forget_token();
            made
        } else {
            build(self, None, ui)
        }
    }

    /// The exclude list to send: the whole list when it fits maxCredentialCountInList;
    /// otherwise each batch is probed silently (getAssertion with up=false) and only a
    /// credential found on this key is sent, so the key answers CREDENTIAL_EXCLUDED after a
    /// touch (CTAP 2.1 §6.1 "excludeList" platform note).
    fn exclude_preflight(
        &mut self,
        info: &GetInfoResponse,
        args: &MakeCredentialArgs,
        ui: &mut dyn Interaction,
    ) -> Result<Option<Vec<CredentialDescriptor>>, Error> {
        let (list, max_count) = usable_list(info, &args.exclude_list);
        if list.is_empty() {
            return Ok(None);
        }
        if list.len() <= max_count {
            return Ok(Some(list));
        }
        let found =
            self.probe_batches(&args.rp.id, &args.client_data_hash, &list, max_count, ui)?;
        Ok(found.map(|(_, credential)| vec![credential]))
    }

    /// Probes `list` in batches of `max_count` with silent getAssertions (up=false, no
    /// pinUvAuthParam: a key clears a token's permissions after using it, and the real request
    /// still needs it); returns the first batch that holds a credential of this key and that
    /// credential. Credentials with credProtect level 3 are invisible to such probes.
    fn probe_batches(
        &mut self,
        rp_id: &str,
        client_data_hash: &[u8; 32],
        list: &[CredentialDescriptor],
        max_count: usize,
        ui: &mut dyn Interaction,
    ) -> Result<Option<(Vec<CredentialDescriptor>, CredentialDescriptor)>, Error> {
        for batch in list.chunks(max_count) {
            let mut probe = GetAssertionRequest::new(rp_id, *client_data_hash);
            probe.allow_list = Some(batch.to_vec());
            probe.options = Some(RequestOptions {
                rk: None,
                up: Some(false),
                uv: None,
            });
            match self.send::<_, GetAssertionResponse>(&probe, ui) {
                Ok(response) => {
                    let credential =
                        match (response.credential, batch) {
                            (Some(c), _) => c,
                            (None, [only]) => only.clone(),
                            (None, _) => return Err(Error::InvalidResponse(
                                "getAssertion omitted the credential for a multi-entry allowList"
                                    .to_owned(),
                            )),
                        };
                    return Ok(Some((batch.to_vec(), credential)));
                }
                Err(Error::NoCredentials) => continue,
                Err(other) => return Err(other),
            }
        }
        Ok(None)
    }

    /// authenticatorGetAssertion (CTAP 2.1 §6.2); when several discoverable credentials
    /// match, the front end chooses one ([`Interaction::choose_credential`]).
    pub fn get_assertion(
        &mut self,
        args: &GetAssertionArgs,
        ui: &mut dyn Interaction,
    ) -> Result<Assertion, Error> {
        let mut assertions = self.get_assertions(args, ui)?;
        if assertions.len() <= 1 {
            return assertions.pop().ok_or(Error::NoCredentials);
        }
        let users: Vec<UserEntity> = assertions
            .iter()
            .map(|a| {
                a.response
                    .user
                    .clone()
                    .unwrap_or_else(|| UserEntity::new(Vec::new()))
            })
            .collect();
        let index = ui.choose_credential(&users).ok_or(Error::Cancelled)?;
        if index >= assertions.len() {
            return Err(Error::InvalidInput(format!(
                "account {index} was chosen but only {} matched",
                assertions.len()
            )));
        }
        Ok(assertions.swap_remove(index))
    }

    /// authenticatorGetAssertion followed by authenticatorGetNextAssertion (§6.3) for every
    /// further matching credential.
    pub fn get_assertions(
        &mut self,
        args: &GetAssertionArgs,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<Assertion>, Error> {
        if self.info()? == &KeyInfo::U2fOnly {
            return self.get_assertion_u2f(args, ui);
        }
        let info = self.ctap2_info()?.clone();
        if args.hmac_secret_salts.is_some() && !info.supports_extension(HMAC_SECRET) {
            return Err(Error::Unsupported(Feature::HmacSecret));
        }
        let plan = plan_uv(&info, args.user_verification, false)?;
        let run = |client: &mut Self, token: Option<&PinUvToken>, ui: &mut dyn Interaction| {
            client.assertions_with(&info, args, plan.uv_option, token, ui)
        };
        if plan.use_token {
            let assertions = self.with_token(
                Permissions::GET_ASSERTION,
                Some(&args.rp_id),
                Purpose::GetAssertion,
                ui,
                |c, t, ui| run(c, Some(t), ui),
            );
            // §6.2.2: an assertion with user presence clears the token's permissions except lbw.
            if args.user_presence {
                self.forget_token();
            }
            assertions
        } else {
            run(self, None, ui)
        }
    }

    fn assertions_with(
        &mut self,
        info: &GetInfoResponse,
        args: &GetAssertionArgs,
        uv_option: bool,
        token: Option<&PinUvToken>,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<Assertion>, Error> {
        let (list, max_count) = usable_list(info, &args.allow_list);
        if !args.allow_list.is_empty() && list.is_empty() {
            return Err(Error::NoCredentials);
        }
        let allow_list = if list.len() > max_count {
            match self.probe_batches(&args.rp_id, &args.client_data_hash, &list, max_count, ui)? {
                Some((batch, _)) => Some(batch),
                None => return Err(Error::NoCredentials),
            }
        } else {
            (!list.is_empty()).then_some(list)
        };

        let mut request = GetAssertionRequest::new(args.rp_id.clone(), args.client_data_hash);
        request.allow_list = allow_list.clone();
        let mut extensions = args.extensions.clone();
        let hmac = match &args.hmac_secret_salts {
            Some(salts) => {
                let (input, shared) = self.hmac_secret_input(salts)?;
                extensions.get_or_insert_with(Default::default).hmac_secret = Some(input);
                Some((shared, salts.count()))
            }
            None => None,
        };
        request.extensions = extensions;
        let options = RequestOptions {
            rk: None,
            up: (!args.user_presence).then_some(false),
            uv: uv_option.then_some(true),
        };
        request.options = (!options.is_empty()).then_some(options);
        if let Some(token) = token {
            request.pin_uv_auth_param = Some(token.auth_param(&args.client_data_hash));
            request.pin_uv_auth_protocol = Some(token.protocol_number());
        }

        let first: GetAssertionResponse = self.send(&request, ui)?;
        let count = bounded_count(
            first.number_of_credentials.unwrap_or(1).max(1),
            "credentials",
        )?;
        let mut responses = vec![first];
        for _ in 1..count {
            responses.push(self.send(&GetNextAssertionRequest, &mut Silent)?);
        }
        let single = allow_list.as_deref().and_then(|l| match l {
            [only] => Some(only.clone()),
            _ => None,
        });
        responses
            .into_iter()
            .map(|mut response| {
                if response.credential.is_none() {
                    response.credential = single.clone();
                }
                let hmac_secret = match &hmac {
                    Some((shared, salt_count)) => {
                        Some(decrypt_hmac_output(&response, shared, *salt_count)?)
                    }
                    None => None,
                };
                Ok(Assertion {
                    response,
                    hmac_secret,
                })
            })
            .collect()
    }

    fn hmac_secret_input(
        &mut self,
        salts: &HmacSecretSalts,
    ) -> Result<(HmacSecretInput, SharedSecret), Error> {
        let protocol = self.pin_protocol()?;
        let (platform_key, shared) = self.key_agreement(protocol)?;
        let encrypted = hmac_secret::encrypt_salts(&shared, salts, &mut OsRng)?;
        let input = HmacSecretInput {
            key_agreement: platform_key,
            salt_enc: encrypted.salt_enc,
            salt_auth: encrypted.salt_auth,
            pin_uv_auth_protocol: Some(protocol.number()),
        };
        Ok((input, shared))
    }
}

fn decrypt_hmac_output(
    response: &GetAssertionResponse,
    shared: &SharedSecret,
    salt_count: usize,
) -> Result<HmacSecretOutput, Error> {
    let auth_data = response.authenticator_data()?;
    let encrypted = match auth_data.extensions.and_then(|e| e.hmac_secret) {
        Some(HmacSecretExtOutput::Secret(bytes)) => bytes,
        _ => {
            return Err(Error::InvalidResponse(
                "hmac-secret was requested but the assertion carries no hmac-secret output"
                    .to_owned(),
            ))
        }
    };
    hmac_secret::decrypt_output(shared, &encrypted, salt_count)
        .map_err(|e| Error::InvalidResponse(format!("hmac-secret output: {e}")))
}

impl MakeCredentialArgs {
    /// A non-discoverable ES256 registration with UV preferred and no lists or extensions.
    pub fn new(client_data_hash: [u8; 32], rp: RpEntity, user: UserEntity) -> Self {
        Self {
            client_data_hash,
            rp,
            user,
            pub_key_cred_params: vec![CredentialParameters::public_key(
                keydesk_ctap::cose::ALG_ES256,
            )],
            exclude_list: Vec::new(),
            extensions: None,
            resident_key: false,
            user_verification: UserVerification::Preferred,
            enterprise_attestation: None,
        }
    }
}

impl GetAssertionArgs {
    /// A sign-in with a touch, UV preferred, no allow list (discoverable credentials) and no
    /// extensions.
    pub fn new(rp_id: impl Into<String>, client_data_hash: [u8; 32]) -> Self {
        Self {
            rp_id: rp_id.into(),
            client_data_hash,
            allow_list: Vec::new(),
            extensions: None,
            user_presence: true,
            user_verification: UserVerification::Preferred,
            hmac_secret_salts: None,
        }
    }
}
