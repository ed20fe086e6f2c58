//! Who acts: accounts, their IAM users and role sessions, with each principal's `userIdentity`
//! JSON built once (most records reuse one of a few hundred identities, as in a real account).

use crate::json::{iso, Rng, J, UPPER_ALNUM};

pub const REGIONS: &[&str] = &[
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "ap-southeast-2",
    "eu-central-1",
];
/// Share of objects per region: traffic concentrates in a home region.
pub const REGION_WEIGHTS: &[u32] = &[55, 20, 12, 8, 5];

pub struct Principal {
    pub arn: String,
    /// The whole `userIdentity` object.
    pub json: String,
    /// Interactive humans call through the console or the CLI; workloads through SDKs.
    pub human: bool,
}

pub struct Account {
    pub id: String,
    pub principals: Vec<Principal>,
    /// Weights for `principals` (a few workloads make most calls).
    pub weights: Vec<u32>,
    pub root_json: String,
    pub root_invoked_json: String,
}

const USERS: &[(&str, bool)] = &[
    ("alice", true),
    ("bob", true),
    ("carol.nguyen", true),
    ("ci-deploy", false),
    ("terraform", false),
    ("backup-agent", false),
    ("legacy-reporting", false),
    ("grafana-cloudwatch", false),
];

const ROLES: &[(&str, &[&str], bool)] = &[
    (
        "app-orders-task",
        &["i-0a1b2c3d4e5f60718", "ecs-task-5f2c"],
        false,
    ),
    ("app-payments-lambda", &["app-payments-lambda"], false),
    (
        "ingest-worker",
        &["i-09f8e7d6c5b4a3921", "i-0123456789abcdef0"],
        false,
    ),
    (
        "eks-node-group-NodeInstanceRole-1XK7",
        &["i-0feedfacecafe1234", "i-0badc0ffee0ddf00d"],
        false,
    ),
    (
        "AWSReservedSSO_AdministratorAccess_5a6b7c8d9e0f1a2b",
        &["jdoe@example.com", "mchen@example.com"],
        true,
    ),
    (
        "AWSReservedSSO_ReadOnly_0f1e2d3c4b5a6978",
        &["auditor@example.com", "sre-oncall@example.com"],
        true,
    ),
    (
        "GitHubActionsDeploy",
        &["GitHubActions", "botocore-session-1732531200"],
        false,
    ),
    ("datadog-integration", &["DatadogAWSIntegration"], false),
    (
        "OrganizationAccountAccessRole",
        &["admin-break-glass"],
        true,
    ),
    ("AWSServiceRoleForConfig", &["AWSConfig-Describe"], false),
];

fn key_id(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.chars(16, UPPER_ALNUM))
}

impl Account {
    pub fn new(id: &str, rng: &mut Rng) -> Account {
        let mut principals = Vec::new();
        let mut weights = Vec::new();
        for &(name, human) in USERS {
            let pid = key_id(rng, "AIDA");
            let arn = format!("arn:aws:iam::{id}:user/{name}");
            let mut j = J::new();
            j.open();
            j.s("type", "IAMUser");
            j.s("principalId", &pid);
            j.s("arn", &arn);
            j.s("accountId", id);
            j.s(
                "accessKeyId",
                &key_id(rng, if human { "ASIA" } else { "AKIA" }),
            );
            j.s("userName", name);
            if human {
                j.obj("sessionContext");
                j.obj("attributes");
                j.s("creationDate", &iso(1_793_400_000 + rng.below(80_000)));
                j.s("mfaAuthenticated", "true");
                j.close();
                j.close();
            }
            j.close();
            principals.push(Principal {
                arn,
                json: String::from_utf8_lossy(&j.b).into_owned(),
                human,
            });
            weights.push(if human { 3 } else { 12 });
        }
        for &(role, sessions, human) in ROLES {
            let rid = key_id(rng, "AROA");
            let path = if role.starts_with("AWSReservedSSO") {
                "aws-reserved/sso.amazonaws.com/"
            } else if role.starts_with("AWSServiceRole") {
                "aws-service-role/config.amazonaws.com/"
            } else {
                ""
            };
            for &session in sessions {
                let arn = format!("arn:aws:sts::{id}:assumed-role/{role}/{session}");
                let mut j = J::new();
                j.open();
                j.s("type", "AssumedRole");
                j.s("principalId", &format!("{rid}:{session}"));
                j.s("arn", &arn);
                j.s("accountId", id);
                j.s("accessKeyId", &key_id(rng, "ASIA"));
                j.obj("sessionContext");
                j.obj("sessionIssuer");
                j.s("type", "Role");
                j.s("principalId", &rid);
                j.s("arn", &format!("arn:aws:iam::{id}:role/{path}{role}"));
                j.s("accountId", id);
                j.s("userName", role);
                j.close();
                if session.starts_with("i-") {
                    j.s("ec2RoleDelivery", "2.0");
                }
                j.obj("webIdFederationData");
                j.close();
                j.obj("attributes");
                j.s("creationDate", &iso(1_793_400_000 + rng.below(80_000)));
                j.s("mfaAuthenticated", "false");
                j.close();
                j.close();
                j.close();
                principals.push(Principal {
                    arn,
                    json: String::from_utf8_lossy(&j.b).into_owned(),
                    human,
                });
                weights.push(if human { 6 } else { 40 });
            }
        }
        // A rare federated user (GetFederationToken), kept for the type mix.
        let arn = format!("arn:aws:sts::{id}:federated-user/vendor-support");
        let json = format!(
            r#"{{"type":"FederatedUser","principalId":"{id}:vendor-support","arn":"{arn}","accountId":"{id}","accessKeyId":"{}","sessionContext":{{"sessionIssuer":{{"type":"IAMUser","principalId":"{}","arn":"arn:aws:iam::{id}:user/legacy-reporting","accountId":"{id}","userName":"legacy-reporting"}},"attributes":{{"creationDate":"2026-11-01T02:00:00Z","mfaAuthenticated":"false"}}}}}}"#,
            key_id(rng, "ASIA"),
            key_id(rng, "AIDA")
        );
        principals.push(Principal {
            arn,
            json,
            human: false,
        });
        weights.push(1);
        let root_key = key_id(rng, "ASIA");
        let root_json = format!(
            r#"{{"type":"Root","principalId":"{id}","arn":"arn:aws:iam::{id}:root","accountId":"{id}","accessKeyId":"{root_key}","sessionContext":{{"attributes":{{"creationDate":"2026-11-02T09:12:44Z","mfaAuthenticated":"true"}}}}}}"#
        );
        let root_invoked_json = format!(
            r#"{{"type":"Root","principalId":"{id}","arn":"arn:aws:iam::{id}:root","accountId":"{id}","invokedBy":"support.amazonaws.com"}}"#
        );
        Account {
            id: id.to_string(),
            principals,
            weights,
            root_json,
            root_invoked_json,
        }
    }
}
