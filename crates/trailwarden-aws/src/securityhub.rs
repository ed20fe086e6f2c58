//! Security Hub (control 4.16): is the hub enabled in a region?

use trailwarden_evidence::SecurityHubStatus;

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `DescribeHub`. "Not subscribed" comes back as an error of kind `NotSubscribed`, which the evidence documents
/// as "Security Hub is not enabled".
///
/// `GetEnabledStandards` is deliberately not called: no control reads the standards, and a failure of that
/// extra call would have to turn a known "enabled" into an error. `standards` is therefore always empty.
pub async fn status(clients: &RegionClients) -> Result<SecurityHubStatus, ApiError> {
    let region = Some(clients.region.as_str());
    let hub = clients
        .securityhub
        .describe_hub()
        .send()
        .await
        .map_err(|e| ApiError::from_sdk("DescribeHub", region, e))?;
    Ok(SecurityHubStatus {
        enabled: true,
        hub_arn: hub.hub_arn().map(str::to_owned),
        subscribed_at: hub.subscribed_at().map(str::to_owned),
        standards: Vec::new(),
    })
}
