//! The monitored events: the v3.0.0 controls' event names (4.4–4.15), each from the service that
//! emits it, with small but plausible request parameters.

use crate::json::{Rng, LOWER_ALNUM};
use crate::records::{hex, Deny, Spec, BUCKETS};

/// The v3.0.0 controls' event names (4.4–4.15) with the service that emits them.
pub const MONITORED: &[(&str, &str)] = &[
    ("iam", "DeleteGroupPolicy"),
    ("iam", "DeleteRolePolicy"),
    ("iam", "DeleteUserPolicy"),
    ("iam", "PutGroupPolicy"),
    ("iam", "PutRolePolicy"),
    ("iam", "PutUserPolicy"),
    ("iam", "CreatePolicy"),
    ("iam", "DeletePolicy"),
    ("iam", "CreatePolicyVersion"),
    ("iam", "DeletePolicyVersion"),
    ("iam", "AttachRolePolicy"),
    ("iam", "DetachRolePolicy"),
    ("iam", "AttachUserPolicy"),
    ("iam", "DetachUserPolicy"),
    ("iam", "AttachGroupPolicy"),
    ("iam", "DetachGroupPolicy"),
    ("cloudtrail", "CreateTrail"),
    ("cloudtrail", "UpdateTrail"),
    ("cloudtrail", "DeleteTrail"),
    ("cloudtrail", "StartLogging"),
    ("cloudtrail", "StopLogging"),
    ("kms", "DisableKey"),
    ("kms", "ScheduleKeyDeletion"),
    ("s3", "PutBucketAcl"),
    ("s3", "PutBucketPolicy"),
    ("s3", "PutBucketCors"),
    ("s3", "PutBucketLifecycle"),
    ("s3", "PutBucketReplication"),
    ("s3", "DeleteBucketPolicy"),
    ("s3", "DeleteBucketCors"),
    ("s3", "DeleteBucketLifecycle"),
    ("s3", "DeleteBucketReplication"),
    ("config", "StopConfigurationRecorder"),
    ("config", "DeleteDeliveryChannel"),
    ("config", "PutDeliveryChannel"),
    ("config", "PutConfigurationRecorder"),
    ("ec2", "AuthorizeSecurityGroupIngress"),
    ("ec2", "AuthorizeSecurityGroupEgress"),
    ("ec2", "RevokeSecurityGroupIngress"),
    ("ec2", "RevokeSecurityGroupEgress"),
    ("ec2", "CreateSecurityGroup"),
    ("ec2", "DeleteSecurityGroup"),
    ("ec2", "CreateNetworkAcl"),
    ("ec2", "CreateNetworkAclEntry"),
    ("ec2", "DeleteNetworkAcl"),
    ("ec2", "DeleteNetworkAclEntry"),
    ("ec2", "ReplaceNetworkAclEntry"),
    ("ec2", "ReplaceNetworkAclAssociation"),
    ("ec2", "CreateCustomerGateway"),
    ("ec2", "DeleteCustomerGateway"),
    ("ec2", "AttachInternetGateway"),
    ("ec2", "CreateInternetGateway"),
    ("ec2", "DeleteInternetGateway"),
    ("ec2", "DetachInternetGateway"),
    ("ec2", "CreateRoute"),
    ("ec2", "CreateRouteTable"),
    ("ec2", "ReplaceRoute"),
    ("ec2", "ReplaceRouteTableAssociation"),
    ("ec2", "DeleteRouteTable"),
    ("ec2", "DeleteRoute"),
    ("ec2", "DisassociateRouteTable"),
    ("ec2", "CreateVpc"),
    ("ec2", "DeleteVpc"),
    ("ec2", "ModifyVpcAttribute"),
    ("ec2", "AcceptVpcPeeringConnection"),
    ("ec2", "CreateVpcPeeringConnection"),
    ("ec2", "DeleteVpcPeeringConnection"),
    ("ec2", "RejectVpcPeeringConnection"),
    ("organizations", "AcceptHandshake"),
    ("organizations", "AttachPolicy"),
    ("organizations", "CreateAccount"),
    ("organizations", "CreateOrganizationalUnit"),
    ("organizations", "CreatePolicy"),
    ("organizations", "DeletePolicy"),
    ("organizations", "DetachPolicy"),
    ("organizations", "EnablePolicyType"),
    ("organizations", "MoveAccount"),
    ("organizations", "UpdatePolicy"),
    ("organizations", "UpdateOrganizationalUnit"),
];

/// A monitored event: a control's event name, from the service that emits it.
pub fn monitored(r: &mut Rng, acct: &str, region: &str) -> Spec {
    let &(svc, name) = r.pick(MONITORED);
    let source: &'static str = match svc {
        "iam" => "iam.amazonaws.com",
        "cloudtrail" => "cloudtrail.amazonaws.com",
        "kms" => "kms.amazonaws.com",
        "s3" => "s3.amazonaws.com",
        "config" => "config.amazonaws.com",
        "organizations" => "organizations.amazonaws.com",
        _ => "ec2.amazonaws.com",
    };
    let deny = match svc {
        "ec2" => Deny::Ec2,
        "s3" => Deny::S3,
        "iam" => Deny::Plain,
        _ => Deny::Exception,
    };
    let mut s = Spec::new(source, name, deny);
    s.read_only = false;
    let id = hex(r, 17);
    s.req = match svc {
        "ec2" if name.contains("SecurityGroup") => format!(
            r#"{{"groupId":"sg-{id}","ipPermissions":{{"items":[{{"ipProtocol":"tcp","fromPort":{p},"toPort":{p},"groups":{{}},"ipRanges":{{"items":[{{"cidrIp":"0.0.0.0/0"}}]}},"ipv6Ranges":{{}},"prefixListIds":{{}}}}]}}}}"#,
            p = r.pick(&[22, 443, 3389, 5432])
        ),
        "ec2" => format!(
            r#"{{"resourceId":"{}-{id}","vpcId":"vpc-{}"}}"#,
            name.to_lowercase().chars().take(3).collect::<String>(),
            hex(r, 17)
        ),
        "iam" => format!(
            r#"{{"roleName":"app-orders-task","policyArn":"arn:aws:iam::{acct}:policy/app-s3-{}"}}"#,
            r.chars(5, LOWER_ALNUM)
        ),
        "s3" => format!(
            r#"{{"bucketName":"{b}","Host":"{b}.s3.{region}.amazonaws.com"}}"#,
            b = r.pick(BUCKETS)
        ),
        "kms" => format!(
            r#"{{"keyId":"arn:aws:kms:{region}:{acct}:key/{}","pendingWindowInDays":30}}"#,
            r.uuid()
        ),
        "cloudtrail" => {
            format!(r#"{{"name":"arn:aws:cloudtrail:{region}:{acct}:trail/org-trail"}}"#)
        }
        "config" => r#"{"configurationRecorderName":"default"}"#.into(),
        _ => format!(
            r#"{{"policyId":"p-{}","targetId":"ou-{}"}}"#,
            r.chars(8, LOWER_ALNUM),
            r.chars(12, LOWER_ALNUM)
        ),
    };
    s.resp = Some(format!(r#"{{"requestId":"{}","_return":true}}"#, r.uuid()));
    s
}

/// The monitored event names alone (tests count them).
#[cfg(test)]
pub fn names() -> Vec<&'static str> {
    MONITORED.iter().map(|&(_, n)| n).collect()
}
