//! SNS: the subscriptions and attributes of the topics alarms notify.

use trailwarden_evidence::{ObservationError, Subscription, Topic, TopicAttributes};

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `ListSubscriptionsByTopic` (paginated) and `GetTopicAttributes`, in the topic's region (`clients`).
pub async fn topic(clients: &RegionClients, arn: &str) -> Topic {
    let subscriptions = subscriptions(clients, arn)
        .await
        .map_err(ObservationError::from)
        .into();
    let attributes = match clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
    {
        Ok(out) => {
            let get = |k: &str| {
                out.attributes()
                    .and_then(|a| a.get(k))
                    .filter(|v| !v.is_empty())
                    .cloned()
            };
            Ok(TopicAttributes {
                policy: get("Policy"),
                kms_master_key_id: get("KmsMasterKeyId"),
            })
        }
        Err(e) => Err(ApiError::from_sdk("GetTopicAttributes", Some(&clients.region), e).into()),
    }
    .into();
    Topic {
        arn: arn.to_owned(),
        subscriptions,
        attributes,
    }
}

async fn subscriptions(clients: &RegionClients, arn: &str) -> Result<Vec<Subscription>, ApiError> {
    let mut items = clients
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(arn)
        .into_paginator()
        .items()
        .send();
    let mut out = Vec::new();
    while let Some(s) = items
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("ListSubscriptionsByTopic", Some(&clients.region), e))?
    {
        out.push(Subscription {
            arn: s.subscription_arn().unwrap_or_default().to_owned(),
            protocol: s.protocol().unwrap_or_default().to_owned(),
            endpoint: s.endpoint().map(str::to_owned),
        });
    }
    Ok(out)
}
