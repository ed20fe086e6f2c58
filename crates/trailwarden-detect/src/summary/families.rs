//! The table of event families. One row per family: the event names it covers, the event source
//! it is limited to (when a name exists in several services), and the function that reads it.

use super::governance::{config, console_login, iam_policy, kms, organizations, s3, trail};
use super::network::{gateway, nacl, route, security_group, sg_rules, vpc};
use super::Described;
use crate::record::Record;

/// One family of events.
pub struct Family {
    pub name: &'static str,
    /// `None`: any event source.
    pub source: Option<&'static str>,
    pub events: &'static [&'static str],
    pub describe: fn(&Record, &str) -> Described,
}

/// Every family, first match wins.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "console sign-in",
        source: None,
        events: &["ConsoleLogin"],
        describe: console_login,
    },
    Family {
        name: "security group rules",
        source: None,
        events: &[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
        ],
        describe: sg_rules,
    },
    Family {
        name: "security groups",
        source: None,
        events: &[
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
            "ModifySecurityGroupRules",
        ],
        describe: security_group,
    },
    Family {
        name: "network ACLs",
        source: None,
        events: &[
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ],
        describe: nacl,
    },
    Family {
        name: "network gateways",
        source: None,
        events: &[
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ],
        describe: gateway,
    },
    Family {
        name: "route tables",
        source: None,
        events: &[
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ],
        describe: route,
    },
    Family {
        name: "VPCs",
        source: None,
        events: &[
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ],
        describe: vpc,
    },
    Family {
        name: "CloudTrail configuration",
        source: None,
        events: &[
            "CreateTrail",
            "UpdateTrail",
            "DeleteTrail",
            "StartLogging",
            "StopLogging",
            "PutEventSelectors",
            "PutInsightSelectors",
        ],
        describe: trail,
    },
    Family {
        name: "KMS keys",
        source: Some("kms.amazonaws.com"),
        events: &["DisableKey", "ScheduleKeyDeletion"],
        describe: kms,
    },
    Family {
        name: "S3 bucket policies",
        source: Some("s3.amazonaws.com"),
        events: &[
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ],
        describe: s3,
    },
    Family {
        name: "AWS Config",
        source: Some("config.amazonaws.com"),
        events: &[
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        ],
        describe: config,
    },
    Family {
        name: "AWS Organizations",
        source: Some("organizations.amazonaws.com"),
        events: &[
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
        ],
        describe: organizations,
    },
    Family {
        name: "IAM policies",
        source: None,
        events: &[
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ],
        describe: iam_policy,
    },
];

/// The family of an event, if any.
pub fn find(name: &str, source: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| f.events.contains(&name) && f.source.is_none_or(|s| s == source))
}
