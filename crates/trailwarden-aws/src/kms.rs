//! KMS: the keys encrypting the topics alarms notify, and their key policies (whether CloudWatch may use them).

use trailwarden_evidence::{ErrorKind, KeyDescription, KmsKey, ObservationError};

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `DescribeKey` (resolves an alias to the key) then `GetKeyPolicy` (policy `default`), in the topic's region.
///
/// `GetKeyPolicy` is not tried when `DescribeKey` failed; the policy then records the same error, so the
/// audit reports what hid it. `GetKeyPolicy` does not work across accounts: a topic encrypted with another
/// account's key records that account's `AccessDenied`.
pub async fn key(clients: &RegionClients, key_id: &str) -> KmsKey {
    let region = clients.region.clone();
    let described = clients
        .kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| ObservationError::from(ApiError::from_sdk("DescribeKey", Some(&region), e)))
        .and_then(|out| {
            let meta = out
                .key_metadata()
                .ok_or_else(|| missing("DescribeKey", &region, "no KeyMetadata in the answer"))?;
            Ok(KeyDescription {
                arn: meta
                    .arn()
                    .map_or_else(|| meta.key_id().to_owned(), str::to_owned),
                key_manager: meta.key_manager().map(|m| m.as_str().to_owned()),
                key_state: meta.key_state().map(|s| s.as_str().to_owned()),
            })
        });
    let (description, policy) = match described {
        Ok(d) => {
            let policy = clients
                .kms
                .get_key_policy()
                .key_id(&d.arn)
                .policy_name("default")
                .send()
                .await
                .map_err(|e| {
                    ObservationError::from(ApiError::from_sdk("GetKeyPolicy", Some(&region), e))
                })
                .and_then(|out| {
                    out.policy()
                        .map(str::to_owned)
                        .ok_or_else(|| missing("GetKeyPolicy", &region, "no Policy in the answer"))
                });
            (Ok(d), policy)
        }
        Err(o) => (Err(o.clone()), Err(o)),
    };
    KmsKey {
        key_id: key_id.to_owned(),
        region,
        description: description.into(),
        policy: policy.into(),
    }
}

/// An answer without the field the call exists for (a broken endpoint): recorded, never guessed.
fn missing(operation: &str, region: &str, what: &str) -> ObservationError {
    ObservationError::new(ErrorKind::Other, operation, Some(region.to_owned()), what)
}
