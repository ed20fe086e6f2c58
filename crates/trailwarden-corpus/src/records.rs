//! One CloudTrail record at a time, in CloudTrail's field order and shapes.
//!
//! Everyday traffic (per mille of records, roughly): S3 object data events 290, EC2 Describe* 170,
//! KMS 120, STS 90, Lambda 50, DynamoDB data events 30, IAM reads 40, SSM/Secrets Manager 45,
//! CloudWatch Logs 25, ECR 20, S3 bucket reads 30, a few writes that no control watches, and
//! console sign-ins. On top: ~1 % monitored events (the event names of the v3.0.0 controls 4.4–4.15,
//! with their event sources), ~0.05 % root usage, ~3 % calls refused for lack of permission
//! (`AccessDenied`, `AccessDeniedException`, `Client.UnauthorizedOperation`) and ~1 % other errors.

use crate::json::{iso, Rng, J, LOWER_ALNUM, UPPER_ALNUM};
use crate::monitored::monitored;
use crate::world::Account;

/// Per-million rates of the special cases.
pub const MONITORED_PPM: u64 = 10_000;
pub const ROOT_PPM: u64 = 500;
pub const DENIED_PPM: u64 = 30_000;
pub const OTHER_ERROR_PPM: u64 = 10_000;

/// How a service refuses a call.
#[derive(Clone, Copy)]
pub enum Deny {
    Ec2,
    S3,
    Exception,
    Plain,
}

/// What the kind-specific code decided; the common writer emits it in CloudTrail's order.
pub struct Spec {
    pub source: &'static str,
    pub name: String,
    pub req: String,
    pub resp: Option<String>,
    pub extra: Option<String>,
    pub resources: Option<String>,
    pub read_only: bool,
    pub data: bool,
    pub deny: Deny,
    /// Services that may make this call on a principal's behalf (`AWSService` identity).
    pub by_service: &'static [&'static str],
    pub event_type: &'static str,
    pub error: Option<(String, String)>,
}

impl Spec {
    pub fn new(source: &'static str, name: &str, deny: Deny) -> Spec {
        Spec {
            source,
            name: name.to_string(),
            req: "null".to_string(),
            resp: None,
            extra: None,
            resources: None,
            read_only: true,
            data: false,
            deny,
            by_service: &[],
            event_type: "AwsApiCall",
            error: None,
        }
    }
}

fn sub(f: impl FnOnce(&mut J)) -> String {
    let mut j = J::new();
    j.open();
    f(&mut j);
    j.close();
    String::from_utf8_lossy(&j.b).into_owned()
}

pub const BUCKETS: &[&str] = &[
    "orders-prod-artifacts",
    "payments-ledger-exports",
    "datalake-raw-events",
    "example-static-site",
    "cdn-assets-7f3a",
    "ml-training-sets",
    "terraform-state-prod",
    "app-logs-archive",
];
const KEY_EXTS: &[&str] = &[".parquet", ".json.gz", ".jpg", ".csv", ""];
const TRAIL_READS: &[&str] = &["DescribeTrails", "LookupEvents", "GetTrailStatus"];
const KEY_DIRS: &[&str] = &[
    "2026/11/25",
    "raw/events/v2",
    "exports/daily",
    "images/thumbnails",
    "models/ckpt",
    "tmp",
];
const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/s3#1.53.1",
    "aws-sdk-java/2.25.31 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.44.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1",
    "aws-sdk-js/3.556.0 ua/2.0 os/linux#5.10.214 lang/js md/nodejs#20.12.1 api/dynamodb#3.556.0",
];
const CONSOLE_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

pub struct Gen {
    rng: Rng,
    accounts: Vec<Account>,
    seq: u64,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        let mut rng = Rng::new(seed);
        let accounts = ["111122223333", "444455556666", "777788889999"]
            .iter()
            .map(|id| Account::new(id, &mut rng))
            .collect();
        Gen {
            rng,
            accounts,
            seq: 0,
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Appends one record (compact JSON, no newline) to `out`.
    pub fn record(&mut self, out: &mut J, acct: usize, region: &str, t: u64) {
        self.seq += 1;
        let r = &mut self.rng;
        let account = &self.accounts[acct];
        let id = account.id.as_str();
        let mut spec = if r.chance(MONITORED_PPM) {
            monitored(r, id, region)
        } else {
            everyday(r, id, region)
        };
        // Identity: root rarely; a service for the calls services make; otherwise a weighted principal.
        let root = r.chance(ROOT_PPM);
        let service = !root && !spec.by_service.is_empty() && r.chance(250_000);
        let pi = r.weighted(&account.weights);
        let principal = &account.principals[pi];
        let (identity, caller_ip, agent, human): (&str, String, String, bool) = if root {
            let invoked = r.chance(200_000);
            if invoked {
                (
                    &account.root_invoked_json,
                    "support.amazonaws.com".into(),
                    "support.amazonaws.com".into(),
                    false,
                )
            } else {
                (&account.root_json, r.ip(), CONSOLE_AGENT.into(), true)
            }
        } else if service {
            let svc = *r.pick(spec.by_service);
            // Filled in below (the identity JSON names the service).
            ("", svc.to_string(), svc.to_string(), false)
        } else if spec.source == "signin.amazonaws.com" || (principal.human && r.chance(400_000)) {
            (&principal.json, r.ip(), CONSOLE_AGENT.into(), true)
        } else {
            (&principal.json, r.ip(), r.pick(AGENTS).to_string(), false)
        };
        if spec.source != "signin.amazonaws.com" && spec.error.is_none() {
            if r.chance(DENIED_PPM) {
                spec.error = Some(denied(
                    r,
                    spec.deny,
                    if service { "" } else { &principal.arn },
                    &spec,
                ));
            } else if r.chance(OTHER_ERROR_PPM) {
                spec.error = Some(other_error(r, &spec));
            }
        }
        // Root acting through the console as an AWS service event (excluded by 4.3).
        if root && r.chance(100_000) {
            spec.event_type = "AwsServiceEvent";
        }

        out.open();
        out.s(
            "eventVersion",
            if spec.data {
                "1.10"
            } else if r.chance(100_000) {
                "1.08"
            } else {
                "1.09"
            },
        );
        if service {
            out.raw(
                "userIdentity",
                &format!(r#"{{"type":"AWSService","invokedBy":"{caller_ip}"}}"#),
            );
        } else {
            out.raw("userIdentity", identity);
        }
        out.s("eventTime", &iso(t));
        out.s("eventSource", spec.source);
        out.s("eventName", &spec.name);
        out.s("awsRegion", region);
        out.s("sourceIPAddress", &caller_ip);
        out.s("userAgent", &agent);
        // A failed console sign-in has an errorMessage but no errorCode, and keeps its response.
        let refused = matches!(&spec.error, Some((code, _)) if !code.is_empty());
        if let Some((code, msg)) = &spec.error {
            if !code.is_empty() {
                out.s("errorCode", code);
            }
            out.s("errorMessage", msg);
        }
        out.raw("requestParameters", &spec.req);
        match &spec.resp {
            Some(resp) if !refused => out.raw("responseElements", resp),
            _ => out.raw("responseElements", "null"),
        }
        if let Some(extra) = &spec.extra {
            out.raw("additionalEventData", extra);
        }
        out.s(
            "requestID",
            &if spec.source == "s3.amazonaws.com" {
                r.chars(16, UPPER_ALNUM)
            } else {
                r.uuid()
            },
        );
        out.s("eventID", &r.uuid());
        out.boolean("readOnly", spec.read_only);
        if let Some(res) = &spec.resources {
            out.raw("resources", res);
        }
        out.s("eventType", spec.event_type);
        out.boolean("managementEvent", !spec.data);
        out.s("recipientAccountId", id);
        if service && r.chance(300_000) {
            out.s("sharedEventID", &r.uuid());
        }
        if !service && r.chance(30_000) {
            out.s(
                "vpcEndpointId",
                &format!("vpce-{}", r.chars(17, b"0123456789abcdef")),
            );
            out.s("vpcEndpointAccountId", id);
        }
        out.s(
            "eventCategory",
            if spec.data { "Data" } else { "Management" },
        );
        if !service && spec.event_type == "AwsApiCall" && r.chance(900_000) {
            out.obj("tlsDetails");
            let v13 = r.chance(700_000);
            out.s("tlsVersion", if v13 { "TLSv1.3" } else { "TLSv1.2" });
            out.s(
                "cipherSuite",
                if v13 {
                    "TLS_AES_128_GCM_SHA256"
                } else {
                    "ECDHE-RSA-AES128-GCM-SHA256"
                },
            );
            let svc = spec.source.trim_end_matches(".amazonaws.com");
            out.s(
                "clientProvidedHostHeader",
                &format!("{svc}.{region}.amazonaws.com"),
            );
            out.close();
        }
        if human && spec.event_type == "AwsApiCall" {
            out.s("sessionCredentialFromConsole", "true");
        }
        out.close();
    }
}

fn denied(r: &mut Rng, deny: Deny, arn: &str, spec: &Spec) -> (String, String) {
    let svc = spec.source.trim_end_matches(".amazonaws.com");
    let action = format!("{svc}:{}", spec.name);
    match deny {
        Deny::Ec2 => (
            "Client.UnauthorizedOperation".into(),
            format!(
                "You are not authorized to perform this operation. User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action. Encoded authorization failure message: {}",
                r.chars(160, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            ),
        ),
        Deny::S3 => ("AccessDenied".into(), "Access Denied".into()),
        Deny::Exception => (
            "AccessDeniedException".into(),
            format!("User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"),
        ),
        Deny::Plain => (
            "AccessDenied".into(),
            format!("User: {arn} is not authorized to perform: {action} on resource: * because no identity-based policy allows the {action} action"),
        ),
    }
}

fn other_error(r: &mut Rng, spec: &Spec) -> (String, String) {
    match spec.source {
        "s3.amazonaws.com" if spec.name == "GetObject" => (
            "NoSuchKey".into(),
            "The specified key does not exist.".into(),
        ),
        "s3.amazonaws.com" => (
            "NoSuchBucketPolicy".into(),
            "The bucket policy does not exist".into(),
        ),
        "ec2.amazonaws.com" => (
            "Client.InvalidInstanceID.NotFound".into(),
            format!(
                "The instance ID 'i-{}' does not exist",
                r.chars(17, b"0123456789abcdef")
            ),
        ),
        _ if r.chance(500_000) => ("ThrottlingException".into(), "Rate exceeded".into()),
        _ => (
            "ResourceNotFoundException".into(),
            "Requested resource not found".into(),
        ),
    }
}

pub fn hex(r: &mut Rng, n: usize) -> String {
    r.chars(n, b"0123456789abcdef")
}

/// Everyday traffic, none of it a monitored event name.
fn everyday(r: &mut Rng, acct: &str, region: &str) -> Spec {
    const W: &[u32] = &[
        180, 60, 30, 20, 170, 80, 40, 70, 20, 40, 10, 40, 30, 15, 25, 30, 20, 30, 10, 5, 2, 10,
    ];
    match r.weighted(W) {
        0..=3 => s3_object(r, acct, region),
        4 => ec2_describe(r),
        5 | 6 => kms(r, acct, region),
        7 => assume_role(r, acct),
        8 => {
            let mut s = Spec::new("sts.amazonaws.com", "GetCallerIdentity", Deny::Plain);
            s.req = "null".into();
            s
        }
        9 | 10 => lambda(r, acct, region),
        11 => iam_read(r, acct),
        12 | 13 => ssm_secrets(r, acct, region),
        14 => logs(r, acct, region),
        15 => dynamodb(r, acct, region),
        16 => ecr(r, acct),
        17 => s3_bucket_read(r),
        18 => ec2_write(r),
        19 => {
            let mut s = Spec::new(
                "cloudtrail.amazonaws.com",
                r.pick::<&str>(TRAIL_READS),
                Deny::Exception,
            );
            s.req = r#"{"trailNameList":[],"includeShadowTrails":true}"#.into();
            s
        }
        20 => console_login(r),
        _ => {
            let mut s = Spec::new("sso.amazonaws.com", "GetRoleCredentials", Deny::Exception);
            s.req = format!(r#"{{"roleName":"AdministratorAccess","accountId":"{acct}"}}"#);
            s
        }
    }
}

fn s3_object(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let name = *r.pick(&[
        "GetObject",
        "GetObject",
        "GetObject",
        "PutObject",
        "HeadObject",
        "ListObjects",
    ]);
    let mut s = Spec::new("s3.amazonaws.com", name, Deny::S3);
    s.data = true;
    s.read_only = name != "PutObject";
    s.by_service = &["cloudfront.amazonaws.com", "athena.amazonaws.com"];
    let bucket = *r.pick(BUCKETS);
    let depth = 1 + r.below(4) as usize;
    let mut key = r.pick(KEY_DIRS).to_string();
    for _ in 0..depth {
        key.push('/');
        let len = 4 + r.below(20) as usize;
        key.push_str(&r.chars(len, LOWER_ALNUM));
    }
    key.push_str(r.pick::<&str>(KEY_EXTS));
    s.req = if name == "ListObjects" {
        format!(
            r#"{{"list-type":"2","bucketName":"{bucket}","encoding-type":"url","prefix":"{}/","Host":"{bucket}.s3.{region}.amazonaws.com"}}"#,
            r.pick(KEY_DIRS)
        )
    } else {
        format!(
            r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.{region}.amazonaws.com","key":"{key}"}}"#
        )
    };
    if name == "PutObject" {
        s.resp = Some(format!(
            r#"{{"x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:{region}:{acct}:key/{}","x-amz-version-id":"{}"}}"#,
            r.uuid(),
            r.chars(32, LOWER_ALNUM)
        ));
    }
    let bytes_out = if name == "GetObject" {
        r.below(50_000_000)
    } else {
        0
    };
    let bytes_in = if name == "PutObject" {
        r.below(20_000_000)
    } else {
        0
    };
    s.extra = Some(format!(
        r#"{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":{bytes_in},"SSEApplied":"SSE_KMS","AuthenticationMethod":"AuthHeader","x-amz-id-2":"{}","bytesTransferredOut":{bytes_out}}}"#,
        r.chars(
            76,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        )
    ));
    s.resources = Some(if name == "ListObjects" {
        format!(
            r#"[{{"accountId":"{acct}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#
        )
    } else {
        format!(
            r#"[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{bucket}/{key}"}},{{"accountId":"{acct}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#
        )
    });
    s
}

fn ec2_describe(r: &mut Rng) -> Spec {
    let name = *r.pick(&[
        "DescribeInstances",
        "DescribeInstances",
        "DescribeSecurityGroups",
        "DescribeVolumes",
        "DescribeSubnets",
        "DescribeNetworkInterfaces",
        "DescribeInstanceStatus",
        "DescribeTags",
        "DescribeImages",
        "DescribeVpcs",
        "DescribeRouteTables",
        "DescribeAddresses",
    ]);
    let mut s = Spec::new("ec2.amazonaws.com", name, Deny::Ec2);
    s.by_service = &[
        "autoscaling.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "eks.amazonaws.com",
    ];
    let n = r.below(9);
    s.req = sub(|j| {
        if name == "DescribeInstances" || name == "DescribeInstanceStatus" {
            j.obj("instancesSet");
            if n > 4 {
                j.arr("items");
                for _ in 0..n {
                    j.open();
                    j.s("instanceId", &format!("i-{}", hex(r, 17)));
                    j.close();
                }
                j.close_arr();
            }
            j.close();
        }
        j.obj("filterSet");
        if n <= 4 && n > 0 {
            j.arr("items");
            for k in 0..n {
                j.open();
                j.s(
                    "name",
                    [
                        "tag:Name",
                        "vpc-id",
                        "instance-state-name",
                        "tag:aws:eks:cluster-name",
                    ][k as usize % 4],
                );
                j.obj("valueSet");
                j.arr("items");
                j.open();
                j.s(
                    "value",
                    &format!(
                        "{}-{}",
                        r.pick(&["prod", "staging", "orders", "payments"]),
                        hex(r, 6)
                    ),
                );
                j.close();
                j.close_arr();
                j.close();
                j.close();
            }
            j.close_arr();
        }
        j.close();
        if r.chance(300_000) {
            j.raw("maxResults", "1000");
        }
    });
    s
}

fn kms(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let name = *r.pick(&[
        "Decrypt",
        "Decrypt",
        "GenerateDataKey",
        "Encrypt",
        "DescribeKey",
    ]);
    let mut s = Spec::new("kms.amazonaws.com", name, Deny::Exception);
    s.by_service = &[
        "s3.amazonaws.com",
        "secretsmanager.amazonaws.com",
        "ssm.amazonaws.com",
        "dynamodb.amazonaws.com",
    ];
    let key = r.uuid();
    let bucket = *r.pick(BUCKETS);
    s.req = format!(
        r#"{{"encryptionContext":{{"aws:s3:arn":"arn:aws:s3:::{bucket}"}},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"{}}}"#,
        if name == "GenerateDataKey" {
            r#","keySpec":"AES_256""#
        } else {
            ""
        }
    );
    s.resources = Some(format!(
        r#"[{{"accountId":"{acct}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{region}:{acct}:key/{key}"}}]"#
    ));
    s
}

fn assume_role(r: &mut Rng, acct: &str) -> Spec {
    let mut s = Spec::new("sts.amazonaws.com", "AssumeRole", Deny::Plain);
    s.by_service = &[
        "ecs-tasks.amazonaws.com",
        "lambda.amazonaws.com",
        "ec2.amazonaws.com",
        "config.amazonaws.com",
    ];
    let role = *r.pick(&[
        "app-orders-task",
        "app-payments-lambda",
        "ingest-worker",
        "datadog-integration",
        "GitHubActionsDeploy",
    ]);
    let session = format!("{}-{}", role, r.below(1_000_000_000));
    let policy = if r.chance(100_000) {
        // Session policies travel as an escaped JSON string: long and full of \" escapes.
        format!(
            r#","policy":"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::{b}\",\"arn:aws:s3:::{b}/*\"]}}]}}""#,
            b = r.pick(BUCKETS)
        )
    } else {
        String::new()
    };
    s.req = format!(
        r#"{{"roleArn":"arn:aws:iam::{acct}:role/{role}","roleSessionName":"{session}","durationSeconds":3600{policy}}}"#
    );
    let rid = r.chars(17, UPPER_ALNUM);
    s.resp = Some(format!(
        r#"{{"credentials":{{"accessKeyId":"ASIA{}","sessionToken":"IQoJb3JpZ2luX2VjE{}","expiration":"Nov 25, 2026, 6:00:00 PM"}},"assumedRoleUser":{{"assumedRoleId":"AROA{rid}:{session}","arn":"arn:aws:sts::{acct}:assumed-role/{role}/{session}"}}}}"#,
        r.chars(16, UPPER_ALNUM),
        r.chars(
            120,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
        )
    ));
    s.resources = Some(format!(
        r#"[{{"accountId":"{acct}","type":"AWS::IAM::Role","ARN":"arn:aws:iam::{acct}:role/{role}"}}]"#
    ));
    s.read_only = true;
    s
}

fn lambda(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let f = *r.pick(&[
        "orders-api",
        "payments-webhook",
        "thumbnailer",
        "etl-nightly",
        "slack-notifier",
    ]);
    let arn = format!("arn:aws:lambda:{region}:{acct}:function:{f}");
    if r.chance(800_000) {
        let mut s = Spec::new("lambda.amazonaws.com", "Invoke", Deny::Exception);
        s.data = true;
        s.read_only = false;
        s.by_service = &[
            "apigateway.amazonaws.com",
            "events.amazonaws.com",
            "s3.amazonaws.com",
        ];
        s.req = format!(
            r#"{{"functionName":"{arn}","invocationType":"RequestResponse","logType":"None"}}"#
        );
        s.extra = Some(r#"{"functionVersion":"$LATEST"}"#.into());
        s.resources = Some(format!(
            r#"[{{"accountId":"{acct}","type":"AWS::Lambda::Function","ARN":"{arn}"}}]"#
        ));
        s
    } else {
        let name = *r.pick(&[
            "GetFunction20150331v2",
            "ListFunctions20150331",
            "GetFunctionConfiguration20150331v2",
        ]);
        let mut s = Spec::new("lambda.amazonaws.com", name, Deny::Exception);
        s.req = format!(r#"{{"functionName":"{f}"}}"#);
        s
    }
}

fn iam_read(r: &mut Rng, acct: &str) -> Spec {
    let name = *r.pick(&[
        "GetRole",
        "ListRoles",
        "GetUser",
        "ListAttachedRolePolicies",
        "GetPolicyVersion",
        "ListAccessKeys",
        "GetAccountPasswordPolicy",
    ]);
    let mut s = Spec::new("iam.amazonaws.com", name, Deny::Plain);
    s.req = match name {
        "GetRole" | "ListAttachedRolePolicies" => format!(
            r#"{{"roleName":"{}"}}"#,
            r.pick(&["app-orders-task", "ingest-worker", "datadog-integration"])
        ),
        "GetPolicyVersion" => format!(
            r#"{{"policyArn":"arn:aws:iam::{acct}:policy/app-s3-read","versionId":"v{}"}}"#,
            1 + r.below(5)
        ),
        "ListRoles" => r#"{"maxItems":1000}"#.into(),
        _ => "null".into(),
    };
    s
}

fn ssm_secrets(r: &mut Rng, acct: &str, region: &str) -> Spec {
    if r.chance(650_000) {
        let name = *r.pick(&["GetParameter", "GetParameters", "GetParametersByPath"]);
        let mut s = Spec::new("ssm.amazonaws.com", name, Deny::Exception);
        s.req = format!(
            r#"{{"name":"/{}/{}/{}","withDecryption":true}}"#,
            r.pick(&["prod", "staging"]),
            r.pick(&["orders", "payments", "ingest"]),
            r.pick(&["db-password", "api-key", "feature-flags", "endpoint"])
        );
        s
    } else {
        let mut s = Spec::new(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            Deny::Exception,
        );
        s.by_service = &["rds.amazonaws.com"];
        s.req = format!(
            r#"{{"secretId":"arn:aws:secretsmanager:{region}:{acct}:secret:prod/{}-{}"}}"#,
            r.pick(&["orders-db", "stripe", "datadog"]),
            r.chars(6, LOWER_ALNUM)
        );
        s
    }
}

fn logs(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let name = *r.pick(&[
        "CreateLogStream",
        "DescribeLogGroups",
        "DescribeLogStreams",
        "FilterLogEvents",
    ]);
    let mut s = Spec::new("logs.amazonaws.com", name, Deny::Exception);
    s.read_only = name != "CreateLogStream";
    let group = format!(
        "/aws/lambda/{}",
        r.pick(&["orders-api", "payments-webhook", "thumbnailer"])
    );
    s.req = match name {
        "CreateLogStream" => format!(
            r#"{{"logGroupName":"{group}","logStreamName":"2026/11/25/[$LATEST]{}"}}"#,
            hex(r, 32)
        ),
        "FilterLogEvents" => format!(
            r#"{{"logGroupName":"{group}","filterPattern":"ERROR","startTime":1764028800000,"interleaved":true}}"#
        ),
        _ => format!(
            r#"{{"logGroupNamePrefix":"/aws/","limit":50,"accountIdentifiers":["{acct}"],"region":"{region}"}}"#
        ),
    };
    s
}

fn dynamodb(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let name = *r.pick(&["GetItem", "Query", "PutItem", "UpdateItem"]);
    let mut s = Spec::new("dynamodb.amazonaws.com", name, Deny::Exception);
    s.data = true;
    s.read_only = name == "GetItem" || name == "Query";
    let table = *r.pick(&["orders", "sessions", "payments-idempotency"]);
    s.req = format!(
        r#"{{"tableName":"{table}","key":{{"pk":"HIDDEN_DUE_TO_SECURITY_REASONS","sk":"HIDDEN_DUE_TO_SECURITY_REASONS"}}{}}}"#,
        if name == "Query" {
            r#","keyConditionExpression":"pk = :pk","limit":25"#
        } else {
            ""
        }
    );
    s.resources = Some(format!(
        r#"[{{"accountId":"{acct}","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:{region}:{acct}:table/{table}"}}]"#
    ));
    s
}

fn ecr(r: &mut Rng, acct: &str) -> Spec {
    let name = *r.pick(&[
        "GetAuthorizationToken",
        "BatchGetImage",
        "GetDownloadUrlForLayer",
    ]);
    let mut s = Spec::new("ecr.amazonaws.com", name, Deny::Exception);
    s.by_service = &["ecs.amazonaws.com", "eks.amazonaws.com"];
    s.req = if name == "GetAuthorizationToken" {
        r#"{"registryIds":[]}"#.into()
    } else {
        format!(
            r#"{{"repositoryName":"{}","registryId":"{acct}","imageIds":[{{"imageTag":"v1.{}.{}"}}]}}"#,
            r.pick(&["orders", "payments", "ingest"]),
            r.below(40),
            r.below(10)
        )
    };
    s
}

fn s3_bucket_read(r: &mut Rng) -> Spec {
    let name = *r.pick(&[
        "GetBucketAcl",
        "GetBucketPolicy",
        "ListBuckets",
        "HeadBucket",
        "GetBucketLocation",
        "GetBucketEncryption",
    ]);
    let mut s = Spec::new("s3.amazonaws.com", name, Deny::S3);
    // Log delivery probing bucket ACLs: denied, and excluded by the 4.1 pattern.
    s.by_service = &["delivery.logs.amazonaws.com", "config.amazonaws.com"];
    let bucket = *r.pick(BUCKETS);
    s.req = if name == "ListBuckets" {
        r#"{"Host":"s3.amazonaws.com"}"#.into()
    } else {
        format!(
            r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","{}":""}}"#,
            name.trim_start_matches("GetBucket").to_lowercase()
        )
    };
    s.extra = Some(r#"{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","bytesTransferredOut":0}"#.into());
    s
}

fn ec2_write(r: &mut Rng) -> Spec {
    let name = *r.pick(&[
        "CreateTags",
        "RunInstances",
        "TerminateInstances",
        "CreateNetworkInterface",
        "ModifyInstanceAttribute",
    ]);
    let mut s = Spec::new("ec2.amazonaws.com", name, Deny::Ec2);
    s.read_only = false;
    s.by_service = &["autoscaling.amazonaws.com"];
    let iid = format!("i-{}", hex(r, 17));
    s.req = if name == "RunInstances" {
        format!(
            r#"{{"instancesSet":{{"items":[{{"imageId":"ami-{}","minCount":1,"maxCount":1}}]}},"userData":"<sensitiveDataRemoved>","instanceType":"m6i.large","blockDeviceMapping":{{}},"monitoring":{{"enabled":false}},"disableApiTermination":false,"disableApiStop":false,"clientToken":"{}","tagSpecificationSet":{{"items":[{{"resourceType":"instance","tags":[{{"key":"Name","value":"ingest-worker"}},{{"key":"aws:autoscaling:groupName","value":"ingest-asg"}}]}}]}},"launchTemplate":{{"launchTemplateId":"lt-{}","version":"7"}}}}"#,
            hex(r, 17),
            r.uuid(),
            hex(r, 17)
        )
    } else {
        format!(
            r#"{{"resourcesSet":{{"items":[{{"resourceId":"{iid}"}}]}},"tagSet":{{"items":[{{"key":"team","value":"{}"}}]}}}}"#,
            r.pick(&["orders", "payments", "platform"])
        )
    };
    s
}

fn console_login(r: &mut Rng) -> Spec {
    let mut s = Spec::new("signin.amazonaws.com", "ConsoleLogin", Deny::Plain);
    s.event_type = "AwsConsoleSignIn";
    s.read_only = false;
    s.req = "null".into();
    let failed = r.chance(50_000);
    let mfa = if r.chance(850_000) { "Yes" } else { "No" };
    if failed {
        s.error = Some(("".into(), "Failed authentication".into()));
        s.resp = Some(r#"{"ConsoleLogin":"Failure"}"#.into());
    } else {
        s.resp = Some(r#"{"ConsoleLogin":"Success"}"#.into());
    }
    s.extra = Some(format!(
        r#"{{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAIdentifier":"arn:aws:iam::111122223333:mfa/token","MFAUsed":"{mfa}"}}"#
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(seed: u64, n: usize) -> Vec<String> {
        let mut g = Gen::new(seed);
        (0..n)
            .map(|i| {
                let mut j = J::new();
                g.record(&mut j, i % 3, "us-east-1", 1_793_491_200 + i as u64);
                String::from_utf8(j.b).expect("the writer only writes UTF-8")
            })
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(corpus(6, 500), corpus(6, 500));
        assert_ne!(corpus(6, 500), corpus(7, 500));
    }

    #[test]
    fn the_mix_has_the_advertised_rates() {
        let recs = corpus(6, 40_000);
        let share = |needle: &str| {
            recs.iter().filter(|r| r.contains(needle)).count() as f64 / recs.len() as f64
        };
        let denied = share(r#""errorCode":"AccessDenied"#)
            + share(r#""errorCode":"Client.UnauthorizedOperation""#);
        assert!((0.02..0.045).contains(&denied), "denied share {denied}");
        let monitored = crate::monitored::names()
            .iter()
            .map(|name| share(&format!(r#""eventName":"{name}""#)))
            .sum::<f64>();
        assert!(
            (0.007..0.014).contains(&monitored),
            "monitored share {monitored}"
        );
        let root = share(r#""type":"Root""#);
        assert!(root > 0.0 && root < 0.002, "root share {root}");
        assert!(share(r#""type":"AWSService""#) > 0.05);
        assert!(share(r#""tlsDetails""#) > 0.5);
        // Every record is one object with the fields every CloudTrail record has.
        for r in &recs {
            assert!(
                r.starts_with(r#"{"eventVersion":"#) && r.ends_with('}'),
                "{r}"
            );
            assert!(r.contains(r#""eventID":""#) && r.contains(r#""recipientAccountId":""#));
        }
    }
}
