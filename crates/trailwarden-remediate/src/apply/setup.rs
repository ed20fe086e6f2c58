//! Apply `--setup-trail`: the bucket, its policy, the log group, the role, its policy, the trail, and
//! starting it.
//!
//! Phase 1 looks for each resource by name; one that exists is reused only if it carries the
//! `managed-by=trailwarden` tag (an earlier run made it), otherwise it is a collision and nothing is changed.
//! Policies on resources we create and `StartLogging` are idempotent and need no check.
//!
//! IAM is eventually consistent: a role created a moment ago may not yet be assumable by CloudTrail, and
//! `CreateTrail` then fails with `InvalidCloudWatchLogsRoleArnException` (likewise for a bucket policy just
//! set). That is not throttling, which the SDK's retry configuration handles, so `CreateTrail` is retried
//! here, a bounded number of times with a pause, on exactly those errors.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType, Tag as TrailTag};
use aws_sdk_iam::types::Tag as IamTag;
use aws_sdk_s3::types::{PublicAccessBlockConfiguration, Tag as S3Tag, Tagging};

use super::{api, built, code, ApplyError};
use crate::options::MANAGED_BY;
use crate::Action;

/// `CreateTrail` attempts while IAM and S3 propagate the role and bucket policy (10 s apart: ~1 minute).
const TRAIL_ATTEMPTS: u32 = 7;
const TRAIL_PAUSE: Duration = Duration::from_secs(10);

fn s3(cfg: &SdkConfig) -> aws_sdk_s3::Client {
    // Servers other than AWS (moto, LocalStack) rarely resolve `bucket.host` names.
    let conf = aws_sdk_s3::config::Builder::from(cfg)
        .force_path_style(cfg.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn is_ours<'t>(mut tags: impl Iterator<Item = (&'t str, &'t str)>) -> bool {
    tags.any(|(k, v)| k == MANAGED_BY.0 && v == MANAGED_BY.1)
}

fn collision(kind: &'static str, name: &str, region: &str, diff: &str) -> ApplyError {
    ApplyError::Collision {
        kind,
        name: name.to_string(),
        region: region.to_string(),
        diff: diff.to_string(),
    }
}

const UNTAGGED: &str = "it is not tagged managed-by=trailwarden";

/// `Ok(true)`: ours already (skip); `Ok(false)`: absent; `Err`: a collision or a failed look.
pub(super) async fn check(action: &Action, cfg: &SdkConfig) -> Result<bool, ApplyError> {
    let region = action.location().1;
    match action {
        Action::CreateBucket(b) => {
            let client = s3(cfg);
            match client.head_bucket().bucket(&b.bucket).send().await {
                Ok(_) => {}
                Err(e) => {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    return match status {
                        Some(404) => Ok(false),
                        Some(403) => Err(collision(
                            "S3 bucket",
                            &b.bucket,
                            region,
                            "it exists and belongs to another account (bucket names are global)",
                        )),
                        Some(301) => Err(collision(
                            "S3 bucket",
                            &b.bucket,
                            region,
                            "it exists in another region",
                        )),
                        _ => Err(api("HeadBucket", region, false)(e)),
                    };
                }
            }
            match client.get_bucket_tagging().bucket(&b.bucket).send().await {
                Ok(t) if is_ours(t.tag_set().iter().map(|t| (t.key(), t.value()))) => Ok(true),
                Ok(_) => Err(collision("S3 bucket", &b.bucket, region, UNTAGGED)),
                Err(e) if code(&e) == Some("NoSuchTagSet") => {
                    Err(collision("S3 bucket", &b.bucket, region, UNTAGGED))
                }
                Err(e) => Err(api("GetBucketTagging", region, false)(e)),
            }
        }
        Action::CreateLogGroup(g) => {
            let logs = aws_sdk_cloudwatchlogs::Client::new(cfg);
            let out = logs
                .describe_log_groups()
                .log_group_name_prefix(&g.log_group_name)
                .send()
                .await
                .map_err(api("DescribeLogGroups", region, false))?;
            let exists = out
                .log_groups()
                .iter()
                .any(|x| x.log_group_name() == Some(g.log_group_name.as_str()));
            if !exists {
                return Ok(false);
            }
            let tags = logs
                .list_tags_for_resource()
                .resource_arn(g.arn.trim_end_matches(":*"))
                .send()
                .await
                .map_err(api("ListTagsForResource", region, false))?;
            let ours = tags
                .tags()
                .is_some_and(|t| is_ours(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
            if ours {
                Ok(true)
            } else {
                Err(collision("log group", &g.log_group_name, region, UNTAGGED))
            }
        }
        Action::CreateRole(r) => {
            let iam = aws_sdk_iam::Client::new(cfg);
            match iam.get_role().role_name(&r.role_name).send().await {
                Ok(_) => {}
                Err(e) if code(&e) == Some("NoSuchEntity") => return Ok(false),
                Err(e) => return Err(api("GetRole", region, false)(e)),
            }
            // GetRole's own Tags field is not filled by every implementation; ListRoleTags always is.
            let tags = iam
                .list_role_tags()
                .role_name(&r.role_name)
                .send()
                .await
                .map_err(api("ListRoleTags", region, false))?;
            if is_ours(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                Ok(true)
            } else {
                Err(collision("IAM role", &r.role_name, "global", UNTAGGED))
            }
        }
        Action::CreateTrail(t) => {
            let ct = aws_sdk_cloudtrail::Client::new(cfg);
            match ct.get_trail().name(&t.name).send().await {
                Ok(_) => {}
                Err(e) if code(&e) == Some("TrailNotFoundException") => return Ok(false),
                Err(e) => return Err(api("GetTrail", region, false)(e)),
            }
            let tags = ct
                .list_tags()
                .resource_id_list(&t.arn)
                .send()
                .await
                .map_err(api("ListTags", region, false))?;
            let ours = tags.resource_tag_list().iter().any(|r| {
                is_ours(
                    r.tags_list()
                        .iter()
                        .map(|t| (t.key(), t.value().unwrap_or_default())),
                )
            });
            if ours {
                Ok(true)
            } else {
                Err(collision("trail", &t.name, region, UNTAGGED))
            }
        }
        // Our own bucket's and role's policies, and starting our trail: idempotent.
        _ => Ok(false),
    }
}

pub(super) async fn write(
    action: &Action,
    cfg: &SdkConfig,
    region: &str,
    changed: bool,
) -> Result<(), ApplyError> {
    match action {
        Action::CreateBucket(b) => {
            let client = s3(cfg);
            let mut req = client.create_bucket().bucket(&b.bucket);
            // us-east-1 is the one region that rejects a LocationConstraint naming itself.
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                            region,
                        ))
                        .build(),
                );
            }
            req.send()
                .await
                .map_err(api("CreateBucket", region, changed))?;
            let block = PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build();
            client
                .put_public_access_block()
                .bucket(&b.bucket)
                .public_access_block_configuration(block)
                .send()
                .await
                .map_err(api("PutPublicAccessBlock", region, true))?;
            let mut tagging = Tagging::builder();
            for (k, v) in &b.tags {
                let tag = built(
                    S3Tag::builder().key(k).value(v).build(),
                    "PutBucketTagging",
                    region,
                    true,
                )?;
                tagging = tagging.tag_set(tag);
            }
            client
                .put_bucket_tagging()
                .bucket(&b.bucket)
                .tagging(built(tagging.build(), "PutBucketTagging", region, true)?)
                .send()
                .await
                .map_err(api("PutBucketTagging", region, true))?;
        }
        Action::PutBucketPolicy(p) => {
            s3(cfg)
                .put_bucket_policy()
                .bucket(&p.bucket)
                .policy(&p.policy)
                .send()
                .await
                .map_err(api("PutBucketPolicy", region, changed))?;
        }
        Action::CreateLogGroup(g) => {
            let logs = aws_sdk_cloudwatchlogs::Client::new(cfg);
            logs.create_log_group()
                .log_group_name(&g.log_group_name)
                .set_tags(Some(g.tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(api("CreateLogGroup", region, changed))?;
            logs.put_retention_policy()
                .log_group_name(&g.log_group_name)
                .retention_in_days(g.retention_days)
                .send()
                .await
                .map_err(api("PutRetentionPolicy", region, true))?;
        }
        Action::CreateRole(r) => {
            let mut req = aws_sdk_iam::Client::new(cfg)
                .create_role()
                .role_name(&r.role_name)
                .assume_role_policy_document(&r.assume_role_policy)
                .description("CloudTrail delivers the trailwarden trail to CloudWatch Logs");
            for (k, v) in &r.tags {
                req = req.tags(built(
                    IamTag::builder().key(k).value(v).build(),
                    "CreateRole",
                    region,
                    changed,
                )?);
            }
            req.send()
                .await
                .map_err(api("CreateRole", region, changed))?;
        }
        Action::PutRolePolicy(p) => {
            aws_sdk_iam::Client::new(cfg)
                .put_role_policy()
                .role_name(&p.role_name)
                .policy_name(&p.policy_name)
                .policy_document(&p.policy)
                .send()
                .await
                .map_err(api("PutRolePolicy", region, changed))?;
        }
        Action::CreateTrail(t) => {
            let ct = aws_sdk_cloudtrail::Client::new(cfg);
            let mut attempt = 1;
            loop {
                let mut req = ct
                    .create_trail()
                    .name(&t.name)
                    .s3_bucket_name(&t.bucket)
                    .is_multi_region_trail(t.multi_region)
                    .include_global_service_events(t.include_global_service_events)
                    .enable_log_file_validation(t.log_file_validation)
                    .cloud_watch_logs_log_group_arn(&t.log_group_arn)
                    .cloud_watch_logs_role_arn(&t.role_arn);
                for (k, v) in &t.tags {
                    req = req.tags_list(built(
                        TrailTag::builder().key(k).value(v).build(),
                        "CreateTrail",
                        region,
                        changed,
                    )?);
                }
                match req.send().await {
                    Ok(_) => break,
                    Err(e)
                        if attempt < TRAIL_ATTEMPTS
                            && matches!(
                                code(&e),
                                Some(
                                    "InvalidCloudWatchLogsRoleArnException"
                                        | "InsufficientS3BucketPolicyException"
                                )
                            ) =>
                    {
                        tracing::info!(
                            "CreateTrail {}: {:?}; waiting for IAM/S3 to propagate (attempt {attempt}/{TRAIL_ATTEMPTS})",
                            t.name,
                            code(&e)
                        );
                        attempt += 1;
                        tokio::time::sleep(TRAIL_PAUSE).await;
                    }
                    Err(e) => return Err(api("CreateTrail", region, changed)(e)),
                }
            }
            // A new trail logs all management events on AWS, but say so explicitly: the audit checks it.
            let selector = EventSelector::builder()
                .read_write_type(ReadWriteType::All)
                .include_management_events(true)
                .build();
            ct.put_event_selectors()
                .trail_name(&t.name)
                .event_selectors(selector)
                .send()
                .await
                .map_err(api("PutEventSelectors", region, true))?;
        }
        Action::StartLogging(s) => {
            aws_sdk_cloudtrail::Client::new(cfg)
                .start_logging()
                .name(&s.trail_arn)
                .send()
                .await
                .map_err(api("StartLogging", region, changed))?;
        }
        _ => {}
    }
    Ok(())
}
