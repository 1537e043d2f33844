//! The FIDO GATT service on BlueZ (CTAP 2.1 §11.4.1) and the pump that sends notifications and
//! runs the framing timers.

use std::collections::BTreeSet;
use std::sync::Arc;

use bluer::adv::Advertisement;
use bluer::gatt::local::{
    Application, Characteristic, CharacteristicNotifier, CharacteristicNotify, CharacteristicNotifyMethod,
    CharacteristicRead, CharacteristicWrite, CharacteristicWriteMethod, ReqError, Service,
};
use bluer::Uuid;
use futures::FutureExt;
use keydesk_framing::ble::{
    ServiceRevisions, CONTROL_POINT_LENGTH_UUID, CONTROL_POINT_UUID, FIDO_SERVICE_UUID, SERVICE_REVISION_BITFIELD_UUID,
    SERVICE_REVISION_UUID, STATUS_UUID,
};
use tokio::sync::Mutex as AsyncMutex;

use crate::{PeripheralConfig, PeripheralError, Shared, Stop};

/// The revisions offered: FIDO2 and U2F 1.2 (the virtual key speaks both over MSG).
const REVISIONS: u8 = ServiceRevisions::FIDO2 | ServiceRevisions::U2F_1_2;

type NotifierSlot = Arc<AsyncMutex<Option<CharacteristicNotifier>>>;

/// Serves until `stop` says how to end; `ready` gets (adapter name, address) once BlueZ
/// accepted the service and the advertisement.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    config: PeripheralConfig,
    ready: std::sync::mpsc::Sender<(String, String)>,
    mut stop: tokio::sync::oneshot::Receiver<Stop>,
) -> Result<(), PeripheralError> {
    let session = bluer::Session::new().await?;
    let adapter = match &config.adapter {
        Some(name) => {
            if !session.adapter_names().await?.contains(name) {
                return Err(PeripheralError::NoSuchAdapter(name.clone()));
            }
            session.adapter(name)?
        }
        None => session.default_adapter().await?,
    };
    adapter.set_powered(true).await?;
    adapter.set_pairable(true).await?;
    let notifier: NotifierSlot = Arc::new(AsyncMutex::new(None));
    let application = adapter
        .serve_gatt_application(fido_service(&shared, &config, &notifier))
        .await?;
    let advertisement = adapter
        .advertise(Advertisement {
            service_uuids: BTreeSet::from([Uuid::from_u128(FIDO_SERVICE_UUID)]),
            discoverable: Some(true),
            local_name: Some(config.local_name.clone()),
            ..Advertisement::default()
        })
        .await?;
    let _ = ready.send((adapter.name().to_owned(), adapter.address().await?.to_string()));

    let how = loop {
        pump(&shared, &notifier).await;
        let deadline = shared.lock().as_ref().and_then(|key| key.next_timeout());
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep(at.saturating_sub(shared.now())).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            how = &mut stop => break how.unwrap_or(Stop::Withdraw),
            () = shared.wake.notified() => {}
            () = sleep => {
                let now = shared.now();
                if let Some(key) = shared.lock().as_mut() {
                    key.handle_timeout(now);
                }
            }
        }
    };
    if how == Stop::Vanish {
        adapter.set_powered(false).await?;
    }
    drop(advertisement);
    drop(application);
    Ok(())
}

/// Sends every queued fidoStatus fragment to the subscribed host (dropped when none is).
async fn pump(shared: &Shared, notifier: &NotifierSlot) {
    let fragments: Vec<Vec<u8>> = {
        let mut slot = shared.lock();
        let Some(key) = slot.as_mut() else { return };
        std::iter::from_fn(|| key.poll_transmit()).collect()
    };
    if fragments.is_empty() {
        return;
    }
    let mut slot = notifier.lock().await;
    for fragment in fragments {
        let Some(active) = slot.as_mut() else { return };
        if active.notify(fragment).await.is_err() {
            // The host unsubscribed or the link dropped.
            *slot = None;
        }
    }
}

fn fido_service(shared: &Arc<Shared>, config: &PeripheralConfig, notifier: &NotifierSlot) -> Application {
    let encrypt = config.require_encryption;
    let control_point_len = config.control_point_len;

    let writes = Arc::clone(shared);
    let control_point = Characteristic {
        uuid: Uuid::from_u128(CONTROL_POINT_UUID),
        write: Some(CharacteristicWrite {
            write: !encrypt,
            encrypt_write: encrypt,
            method: CharacteristicWriteMethod::Fun(Box::new(move |value, _request| {
                let shared = Arc::clone(&writes);
                async move {
                    let now = shared.now();
                    if let Some(key) = shared.lock().as_mut() {
                        // A framing error has queued an ERROR notification for the host.
                        let _ = key.handle_write(&value, now);
                    }
                    shared.wake.notify_one();
                    Ok(())
                }
                .boxed()
            })),
            ..CharacteristicWrite::default()
        }),
        ..Characteristic::default()
    };

    let subscriptions = Arc::clone(notifier);
    let woken = Arc::clone(shared);
    let status = Characteristic {
        uuid: Uuid::from_u128(STATUS_UUID),
        notify: Some(CharacteristicNotify {
            notify: true,
            method: CharacteristicNotifyMethod::Fun(Box::new(move |new| {
                let slot = Arc::clone(&subscriptions);
                let shared = Arc::clone(&woken);
                async move {
                    *slot.lock().await = Some(new);
                    shared.wake.notify_one();
                }
                .boxed()
            })),
            ..CharacteristicNotify::default()
        }),
        ..Characteristic::default()
    };

    let reads = Arc::clone(shared);
    let length = Characteristic {
        uuid: Uuid::from_u128(CONTROL_POINT_LENGTH_UUID),
        read: Some(CharacteristicRead {
            read: !encrypt,
            encrypt_read: encrypt,
            fun: Box::new(move |request| {
                // Every host reads this first on a new connection (§11.4.2).
                reads.restart_framing(request.mtu);
                async move { Ok(control_point_len.to_bytes().to_vec()) }.boxed()
            }),
            ..CharacteristicRead::default()
        }),
        ..Characteristic::default()
    };

    let bitfield = Characteristic {
        uuid: Uuid::from_u128(SERVICE_REVISION_BITFIELD_UUID),
        read: Some(CharacteristicRead {
            read: !encrypt,
            encrypt_read: encrypt,
            fun: Box::new(|_| async { Ok(vec![REVISIONS]) }.boxed()),
            ..CharacteristicRead::default()
        }),
        write: Some(CharacteristicWrite {
            write: !encrypt,
            encrypt_write: encrypt,
            method: CharacteristicWriteMethod::Fun(Box::new(|value, _| {
                async move {
                    // The host selects exactly one offered revision (§11.4.1.1).
                    match value.as_slice() {
                        [bit, ..] if bit.count_ones() == 1 && bit & REVISIONS == *bit => Ok(()),
                        _ => Err(ReqError::NotSupported),
                    }
                }
                .boxed()
            })),
            ..CharacteristicWrite::default()
        }),
        ..Characteristic::default()
    };

    let revision = Characteristic {
        uuid: Uuid::from_u128(SERVICE_REVISION_UUID),
        read: Some(CharacteristicRead {
            read: !encrypt,
            encrypt_read: encrypt,
            fun: Box::new(|_| async { Ok(b"1.0".to_vec()) }.boxed()),
            ..CharacteristicRead::default()
        }),
        ..Characteristic::default()
    };

    Application {
        services: vec![Service {
            uuid: Uuid::from_u128(FIDO_SERVICE_UUID),
            primary: true,
            characteristics: vec![control_point, status, length, bitfield, revision],
            ..Service::default()
        }],
        ..Application::default()
    }
}
