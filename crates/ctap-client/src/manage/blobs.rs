//! Large blobs: authenticatorLargeBlobs (CTAP 2.1 §6.10) with per-credential entries
//! encrypted under the credential's largeBlobKey (§12.3), found through credential
//! management.

use keydesk_ctap::cbor::{decode, encode, FromCbor, ToCbor, Value};
use keydesk_ctap::commands::{
    large_blob_set_auth_message, EmptyResponse, GetInfoResponse, LargeBlobEntry, LargeBlobsRequest,
    LargeBlobsResponse, Permissions,
};
use keydesk_ctap_crypto::large_blob::{self, LargeBlobError, LargeBlobKey};
use keydesk_transport::Device;
use rand_core::OsRng;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{Error, Feature};
use crate::interaction::{Interaction, Purpose};
use crate::manage::passkeys::StoredCredential;
use keydesk_ctap::LargeBlobKeyBytes;
use crate::pin::Silent;

/// The spec's default maxMsgSize (§6.4) and the fragment overhead (§6.10.2:
/// maxFragmentLength = maxMsgSize - 64).
const DEFAULT_MAX_MSG_SIZE: u32 = 1024;
const FRAGMENT_OVERHEAD: u32 = 64;
/// The spec's minimum maxSerializedLargeBlobArray, assumed when the key states none.
const DEFAULT_MAX_ARRAY: u32 = 1024;

/// The large-blob array as a whole.
///
/// JSON: `{"entries": 2, "size": 210, "max_size": 4096, "valid": true}` (`valid` false when
/// the stored array failed its checksum; it then counts as empty, §6.10.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargeBlobArrayInfo {
    /// Entries in the array (of any credential, including ones this client cannot read).
    pub entries: usize,
    /// Serialized size in bytes, checksum included.
    pub size: usize,
    /// maxSerializedLargeBlobArray.
    pub max_size: u32,
    /// The checksum matched.
    pub valid: bool,
}

/// One element of the large-blob array: an entry this client can try to decrypt, or anything
/// else another platform stored, kept as is when the array is rewritten.
#[derive(Debug, Clone)]
enum Element {
    Entry(LargeBlobEntry),
    Foreign(Value),
}

/// The elements of a serialized array; `None` when its checksum or CBOR is broken (the array
/// then counts as empty, §6.10.3).
fn parse_array(serialized: &[u8]) -> Option<Vec<Element>> {
    let cbor = large_blob::open_serialized_array(serialized).ok()?;
    let value = decode(cbor).ok()?;
    let items = value.as_array()?;
    Some(
        items
            .iter()
            .map(
                |item| match LargeBlobEntry::from_cbor(item, "largeBlobArray entry") {
                    Ok(entry) => Element::Entry(entry),
                    Err(_) => Element::Foreign(item.clone()),
                },
            )
            .collect(),
    )
}

fn serialize_array(elements: &[Element]) -> Vec<u8> {
    let items = elements
        .iter()
        .map(|e| match e {
            Element::Entry(entry) => entry.to_cbor(),
            Element::Foreign(value) => value.clone(),
        })
        .collect();
    large_blob::seal_serialized_array(&encode(&Value::Array(items)))
}

fn max_fragment(info: &GetInfoResponse) -> u32 {
    info.max_msg_size
        .unwrap_or(DEFAULT_MAX_MSG_SIZE)
        .saturating_sub(FRAGMENT_OVERHEAD)
        .max(1)
}

fn max_array(info: &GetInfoResponse) -> u32 {
    info.max_serialized_large_blob_array
        .unwrap_or(DEFAULT_MAX_ARRAY)
}

fn to_crypto(entry: &LargeBlobEntry) -> large_blob::LargeBlobEntry {
    large_blob::LargeBlobEntry {
        ciphertext: entry.ciphertext.clone(),
        nonce: entry.nonce.to_vec(),
        orig_size: entry.orig_size,
    }
}

fn from_crypto(entry: large_blob::LargeBlobEntry) -> Result<LargeBlobEntry, Error> {
    let nonce: [u8; 12] = entry
        .nonce
        .as_slice()
        .try_into()
        .map_err(|_| Error::InvalidInput("large-blob nonce is not 12 bytes".to_owned()))?;
    Ok(LargeBlobEntry {
        ciphertext: entry.ciphertext,
        nonce,
        orig_size: entry.orig_size,
    })
}

fn blob_key(credential: &StoredCredential) -> Result<LargeBlobKey, Error> {
    let bytes: [u8; 32] = credential
        .large_blob_key
        .as_ref()
        .map(LargeBlobKeyBytes::expose)
        .ok_or_else(|| {
            Error::InvalidInput(
                "This passkey has no large-blob key (it was created without the largeBlobKey extension)".to_owned(),
            )
        })?
        .try_into()
        .map_err(|_| Error::InvalidResponse("largeBlobKey is not 32 bytes".to_owned()))?;
    Ok(LargeBlobKey::from_bytes(bytes))
}

impl<D: Device> Client<D> {
    fn require_large_blobs(&mut self) -> Result<GetInfoResponse, Error> {
        let info = self.ctap2_info()?.clone();
        if info.option("largeBlobs") != Some(true) {
            return Err(Error::Unsupported(Feature::LargeBlobs));
        }
        Ok(info)
    }

    /// Reads the serialized large-blob array (§6.10.2 get, fragment by fragment).
    pub fn read_large_blob_array(&mut self) -> Result<Vec<u8>, Error> {
        let info = self.require_large_blobs()?;
        let fragment = max_fragment(&info);
        // A key never stores more than it advertises; bound the loop by it (and by the
        // message limit for keys that understate it).
        let limit = usize::try_from(max_array(&info).max(fragment)).unwrap_or(usize::MAX);
        let mut array = Vec::new();
        loop {
            let offset = u32::try_from(array.len())
                .map_err(|_| Error::InvalidResponse("large-blob array too long".to_owned()))?;
            let response: LargeBlobsResponse =
                self.send(&LargeBlobsRequest::get(offset, fragment), &mut Silent)?;
            let config = response.config.ok_or_else(|| {
                Error::InvalidResponse("largeBlobs get without config".to_owned())
            })?;
            let received = config.len();
            if received > usize::try_from(fragment).unwrap_or(usize::MAX) {
                return Err(Error::InvalidResponse(
                    "largeBlobs returned more bytes than asked".to_owned(),
                ));
            }
            array.extend_from_slice(&config);
            if received < usize::try_from(fragment).unwrap_or(usize::MAX) {
                return Ok(array);
            }
            if array.len() > limit {
                return Err(Error::InvalidResponse(
                    "the large-blob array is longer than the key's stated maximum".to_owned(),
                ));
            }
        }
    }

    /// The elements of the array; one failing its checksum counts as empty (§6.10.3).
    fn large_blob_entries(&mut self) -> Result<(Vec<Element>, usize, bool), Error> {
        let raw = self.read_large_blob_array()?;
        match parse_array(&raw) {
            Some(elements) => Ok((elements, raw.len(), true)),
            None => Ok((Vec::new(), raw.len(), false)),
        }
    }

    /// The array's size and entry count (no PIN needed).
    pub fn large_blob_info(&mut self) -> Result<LargeBlobArrayInfo, Error> {
        let info = self.require_large_blobs()?;
        let (entries, size, valid) = self.large_blob_entries()?;
        Ok(LargeBlobArrayInfo {
            entries: entries.len(),
            size,
            max_size: max_array(&info),
            valid,
        })
    }

    fn credential_for_blob(
        &mut self,
        credential_id: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<StoredCredential, Error> {
        self.stored_credentials(ui)?
            .into_iter()
            .find(|c| c.descriptor.id == credential_id)
            .ok_or(Error::PasskeyNotFound)
    }

    /// Reads the large blob of the passkey `credential_id` (`None` when it has none). Needs
    /// the PIN/UV to read the passkey's largeBlobKey through credential management.
    pub fn read_large_blob(
        &mut self,
        credential_id: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let info = self.require_large_blobs()?;
        let credential = self.credential_for_blob(credential_id, ui)?;
        let key = blob_key(&credential)?;
        let (entries, _, _) = self.large_blob_entries()?;
        let max = usize::try_from(max_array(&info))
            .unwrap_or(usize::MAX)
            .saturating_mul(64);
        for entry in entries.iter().filter_map(|e| match e {
            Element::Entry(entry) => Some(entry),
            Element::Foreign(_) => None,
        }) {
            match large_blob::decrypt_entry(&key, &to_crypto(entry), max) {
                Ok(data) => return Ok(Some(data)),
                Err(LargeBlobError::DecryptionFailed) => continue,
                Err(other) => return Err(Error::InvalidResponse(format!("large blob: {other}"))),
            }
        }
        Ok(None)
    }

    /// Stores `data` as the large blob of the passkey `credential_id`, replacing its old one.
    pub fn write_large_blob(
        &mut self,
        credential_id: &[u8],
        data: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.update_large_blob(credential_id, Some(data), ui)
            .map(drop)
    }

    /// Deletes the large blob of the passkey `credential_id`; false when it had none.
    pub fn delete_large_blob(
        &mut self,
        credential_id: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<bool, Error> {
        self.update_large_blob(credential_id, None, ui)
    }

    fn update_large_blob(
        &mut self,
        credential_id: &[u8],
        data: Option<&[u8]>,
        ui: &mut dyn Interaction,
    ) -> Result<bool, Error> {
        let info = self.require_large_blobs()?;
        // One token for reading the key (cm) and writing the array (lbw): one PIN prompt.
        let token = self.token(
            Permissions::CREDENTIAL_MANAGEMENT | Permissions::LARGE_BLOB_WRITE,
            None,
            Purpose::WriteLargeBlobs,
            ui,
        )?;
        let credential = self.credential_for_blob(credential_id, ui)?;
        let key = blob_key(&credential)?;
        let (entries, _, _) = self.large_blob_entries()?;
        let before = entries.len();
        let mut kept: Vec<Element> = entries
            .into_iter()
            .filter(|e| match e {
                Element::Entry(entry) => {
                    large_blob::decrypt_entry(&key, &to_crypto(entry), usize::MAX).is_err()
                }
                Element::Foreign(_) => true,
            })
            .collect();
        let removed = kept.len() < before;
        if let Some(data) = data {
            let sealed = large_blob::encrypt_entry(&key, data, &mut OsRng)
                .map_err(|e| Error::InvalidInput(format!("large blob: {e}")))?;
            kept.push(Element::Entry(from_crypto(sealed)?));
        } else if !removed {
            return Ok(false);
        }
        let serialized = serialize_array(&kept);
        if serialized.len() > usize::try_from(max_array(&info)).unwrap_or(usize::MAX) {
            return Err(Error::LargeBlobStorageFull);
        }
        let total = u32::try_from(serialized.len()).map_err(|_| Error::LargeBlobStorageFull)?;
        let fragment = usize::try_from(max_fragment(&info)).unwrap_or(usize::MAX);
        let protected = info.option("clientPin") == Some(true) || info.option("uv") == Some(true);
        let mut offset: u32 = 0;
        for chunk in serialized.chunks(fragment) {
            let mut request =
                LargeBlobsRequest::set(offset, chunk.to_vec(), (offset == 0).then_some(total));
            if protected {
                request.pin_uv_auth_protocol = Some(token.protocol_number());
                request.pin_uv_auth_param =
                    Some(token.auth_param(&large_blob_set_auth_message(offset, chunk)));
            }
            self.send::<_, EmptyResponse>(&request, ui)?;
            offset = offset.saturating_add(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_elements_survive_a_rewrite() {
        let entry = LargeBlobEntry {
            ciphertext: vec![1; 20],
            nonce: [2; 12],
            orig_size: 5,
        };
        let foreign = Value::Map(vec![(Value::text("vendor"), Value::Unsigned(7))]);
        let serialized = serialize_array(&[
            Element::Entry(entry.clone()),
            Element::Foreign(foreign.clone()),
        ]);
        let parsed = parse_array(&serialized).unwrap_or_default();
        assert_eq!(parsed.len(), 2);
        assert!(matches!(&parsed[0], Element::Entry(e) if *e == entry));
        assert!(matches!(&parsed[1], Element::Foreign(v) if *v == foreign));
        // The empty array of a fresh key, and a broken checksum.
        assert_eq!(
            parse_array(&large_blob::INITIAL_SERIALIZED_ARRAY).map(|e| e.len()),
            Some(0)
        );
        let mut broken = serialized;
        if let Some(last) = broken.last_mut() {
            *last ^= 1;
        }
        assert!(parse_array(&broken).is_none());
    }
}
