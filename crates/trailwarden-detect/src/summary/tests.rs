//! One test per family: the summary line, severity and resources of a realistic record.

use serde_json::{json, Value};

use super::*;
use crate::actor::resolve;
use crate::alert::Severity::*;
use crate::record::Location;

fn rec(name: &str, source: &str, params: Value) -> Value {
    json!({
        "eventVersion": "1.09", "eventName": name, "eventSource": source, "awsRegion": "us-east-1",
        "eventTime": "2024-08-01T12:00:00Z", "eventID": "e-1", "recipientAccountId": "123456789012",
        "sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.15",
        "userIdentity": {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012"},
        "requestParameters": params
    })
}

fn run(v: Value) -> Summary {
    let r = Record::new(v, Location::new("t".into(), None, None));
    let actor = resolve(&r.value);
    describe(&r, &actor)
}

fn ids(s: &Summary) -> Vec<String> {
    s.resources
        .iter()
        .map(|r| format!("{}={}", r.kind, r.id))
        .collect()
}

#[test]
fn sg_ingress_open_to_world() {
    let s = run(rec(
        "AuthorizeSecurityGroupIngress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-0abc", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}, "ipv6Ranges": {}, "groups": {}, "prefixListIds": {}}]}}),
    ));
    assert_eq!(
        s.line,
        "alice opened tcp/22 to 0.0.0.0/0 on sg-0abc (us-east-1)"
    );
    assert_eq!(s.severity, Critical);
    assert_eq!(
        ids(&s),
        vec!["security-group=sg-0abc", "permission=tcp/22 to 0.0.0.0/0"]
    );
}

#[test]
fn sg_ingress_variants() {
    // String ports, a private range: medium.
    let s = run(rec(
        "AuthorizeSecurityGroupIngress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": "443", "toPort": "443",
            "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}]}}),
    ));
    assert_eq!(
        s.line,
        "alice opened tcp/443 to 10.0.0.0/8 on sg-1 (us-east-1)"
    );
    assert_eq!(s.severity, Medium);
    // Any /0 is the whole internet, whatever the address bits.
    let s = run(rec(
        "AuthorizeSecurityGroupIngress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-1", "cidrIp": "208.236.235.254/0", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22}),
    ));
    assert_eq!(s.severity, Critical);
    // IPv6 world on a web port: high, not critical.
    let s = run(rec(
        "AuthorizeSecurityGroupIngress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
            "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}),
    ));
    assert_eq!(s.severity, High);
    // The flat request form (Stratus sample) and all traffic.
    let s = run(rec(
        "AuthorizeSecurityGroupIngress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-2", "cidrIp": "0.0.0.0/0", "ipProtocol": "-1"}),
    ));
    assert_eq!(
        s.line,
        "alice opened all traffic to 0.0.0.0/0 on sg-2 (us-east-1)"
    );
    assert_eq!(s.severity, Critical);
    // Revoking is low.
    let s = run(rec(
        "RevokeSecurityGroupEgress",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-3", "securityGroupRuleIds": {"items": [{"securityGroupRuleId": "sgr-1"}]}}),
    ));
    assert_eq!(s.line, "alice closed egress rule sgr-1 on sg-3 (us-east-1)");
    assert_eq!(s.severity, Low);
}

#[test]
fn security_groups() {
    let s = run(rec(
        "CreateSecurityGroup",
        "ec2.amazonaws.com",
        json!({"groupName": "web", "vpcId": "vpc-1"}),
    ));
    assert_eq!(
        s.line,
        "alice created security group web in vpc-1 (us-east-1)"
    );
    let s = run(rec(
        "DeleteSecurityGroup",
        "ec2.amazonaws.com",
        json!({"groupId": "sg-9"}),
    ));
    assert_eq!(s.line, "alice deleted security group sg-9 (us-east-1)");
}

#[test]
fn nacl_entries() {
    let s = run(rec(
        "CreateNetworkAclEntry",
        "ec2.amazonaws.com",
        json!({"aclProtocol": "6", "cidrBlock": "0.0.0.0/0", "egress": false, "networkAclId": "acl-1111",
               "portRange": {"from": 700, "to": 702}, "ruleAction": "allow", "ruleNumber": 12}),
    ));
    assert_eq!(s.line, "alice added ingress rule #12 allow tcp/700-702 from 0.0.0.0/0 on network ACL acl-1111 (us-east-1)");
    assert_eq!(s.severity, High);
    let s = run(rec(
        "DeleteNetworkAclEntry",
        "ec2.amazonaws.com",
        json!({"networkAclId": "acl-1", "ruleNumber": 5, "egress": true}),
    ));
    assert_eq!(
        s.line,
        "alice deleted egress rule #5 of network ACL acl-1 (us-east-1)"
    );
}

#[test]
fn gateways_with_assumed_role() {
    let mut v = rec(
        "DetachInternetGateway",
        "ec2.amazonaws.com",
        json!({"internetGatewayId": "igw-1", "vpcId": "vpc-2"}),
    );
    v["userIdentity"] =
        json!({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Deployer/ci"});
    v.as_object_mut().unwrap().remove("awsRegion");
    let s = run(v);
    assert_eq!(
        s.line,
        "role Deployer/ci detached internet gateway igw-1 from vpc-2"
    );
    assert_eq!(s.severity, Medium);
    let s = run(rec(
        "AttachInternetGateway",
        "ec2.amazonaws.com",
        json!({"internetGatewayId": "igw-1", "vpcId": "vpc-1"}),
    ));
    assert_eq!(s.severity, High);
    assert_eq!(ids(&s), vec!["internet-gateway=igw-1", "vpc=vpc-1"]);
    let s = run(rec(
        "CreateCustomerGateway",
        "ec2.amazonaws.com",
        json!({"ipAddress": "198.51.100.1", "bgpAsn": 65000, "type": "ipsec.1"}),
    ));
    assert_eq!(
        s.line,
        "alice created customer gateway ? for 198.51.100.1 (us-east-1)"
    );
}

#[test]
fn routes() {
    let s = run(rec(
        "CreateRoute",
        "ec2.amazonaws.com",
        json!({"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}),
    ));
    assert_eq!(
        s.line,
        "alice added route 0.0.0.0/0 → igw-1 in route table rtb-1 (us-east-1)"
    );
    assert_eq!(s.severity, High);
    let s = run(rec(
        "ReplaceRoute",
        "ec2.amazonaws.com",
        json!({"routeTableId": "rtb-1", "destinationCidrBlock": "10.1.0.0/16", "natGatewayId": "nat-1"}),
    ));
    assert_eq!(s.severity, Medium);
    let s = run(rec(
        "DisassociateRouteTable",
        "ec2.amazonaws.com",
        json!({"associationId": "rtbassoc-1"}),
    ));
    assert_eq!(
        s.line,
        "alice disassociated route table association rtbassoc-1 (us-east-1)"
    );
}

#[test]
fn vpcs() {
    let s = run(rec(
        "CreateVpc",
        "ec2.amazonaws.com",
        json!({"cidrBlock": "10.0.0.0/16"}),
    ));
    assert_eq!(s.line, "alice created VPC ? (10.0.0.0/16) (us-east-1)");
    let s = run(rec(
        "ModifyVpcAttribute",
        "ec2.amazonaws.com",
        json!({"vpcId": "vpc-1", "enableDnsSupport": {"value": false}}),
    ));
    assert_eq!(
        s.line,
        "alice changed enableDnsSupport of VPC vpc-1 (us-east-1)"
    );
    let s = run(rec(
        "CreateVpcPeeringConnection",
        "ec2.amazonaws.com",
        json!({"vpcId": "vpc-1", "peerVpcId": "vpc-9", "peerOwnerId": "999999999999"}),
    ));
    assert_eq!(s.severity, High);
}

#[test]
fn trails() {
    let s = run(rec(
        "StopLogging",
        "cloudtrail.amazonaws.com",
        json!({"name": "arn:aws:cloudtrail:us-east-1:1:trail/main"}),
    ));
    assert_eq!(s.line, "alice stopped logging on trail main (us-east-1)");
    assert_eq!(s.severity, Critical);
    let s = run(rec(
        "DeleteTrail",
        "cloudtrail.amazonaws.com",
        json!({"name": "main"}),
    ));
    assert_eq!(s.severity, Critical);
    let s = run(rec(
        "StartLogging",
        "cloudtrail.amazonaws.com",
        json!({"name": "main"}),
    ));
    assert_eq!(s.severity, Low);
}

#[test]
fn failed_change_is_capped_and_says_so() {
    let mut v = rec(
        "StopLogging",
        "cloudtrail.amazonaws.com",
        json!({"name": "main"}),
    );
    v["errorCode"] = json!("AccessDenied");
    let s = run(v);
    assert_eq!(
        s.line,
        "alice stopped logging on trail main (us-east-1) — failed: AccessDenied"
    );
    assert_eq!(s.severity, Medium);
}

#[test]
fn kms_s3_config_orgs() {
    let s = run(rec(
        "ScheduleKeyDeletion",
        "kms.amazonaws.com",
        json!({"keyId": "arn:aws:kms:us-east-1:1:key/k-1", "pendingWindowInDays": 7}),
    ));
    assert_eq!(
        s.line,
        "alice scheduled deletion of KMS key k-1 in 7 days (us-east-1)"
    );
    assert_eq!(s.severity, Critical);
    let s = run(rec(
        "PutBucketPolicy",
        "s3.amazonaws.com",
        json!({"bucketName": "b1", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}}),
    ));
    assert_eq!(
        s.line,
        "alice changed the bucket policy of bucket b1 (grants public access) (us-east-1)"
    );
    assert_eq!(s.severity, High);
    let s = run(rec(
        "DeleteBucketCors",
        "s3.amazonaws.com",
        json!({"bucketName": "b1"}),
    ));
    assert_eq!(
        s.line,
        "alice deleted the CORS configuration of bucket b1 (us-east-1)"
    );
    let s = run(rec(
        "StopConfigurationRecorder",
        "config.amazonaws.com",
        json!({"configurationRecorderName": "default"}),
    ));
    assert_eq!(
        s.line,
        "alice stopped AWS Config recorder default (us-east-1)"
    );
    assert_eq!(s.severity, High);
    let s = run(rec(
        "LeaveOrganization",
        "organizations.amazonaws.com",
        Value::Null,
    ));
    assert_eq!(s.line, "alice left the organization (us-east-1)");
    // Same name, other service: the IAM family, not Organizations.
    let s = run(rec(
        "CreatePolicy",
        "iam.amazonaws.com",
        json!({"policyName": "p1"}),
    ));
    assert_eq!(s.line, "alice created managed policy p1 (us-east-1)");
    let s = run(rec(
        "CreatePolicy",
        "organizations.amazonaws.com",
        json!({"name": "scp1"}),
    ));
    assert_eq!(s.line, "alice created organization policy scp1 (us-east-1)");
}

#[test]
fn iam_policies() {
    let s = run(rec(
        "AttachUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ));
    assert_eq!(
        s.line,
        "alice attached policy AdministratorAccess to user bob (us-east-1)"
    );
    assert_eq!(s.severity, High);
    assert_eq!(
        ids(&s),
        vec![
            "iam-policy=arn:aws:iam::aws:policy/AdministratorAccess",
            "iam-user=bob"
        ]
    );
    let s = run(rec(
        "PutRolePolicy",
        "iam.amazonaws.com",
        json!({"roleName": "r", "policyName": "inline",
        "policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\": \"*\",\"Resource\":\"*\"}]}"}),
    ));
    assert_eq!(
        s.line,
        "alice put inline policy inline on role r (us-east-1)"
    );
    assert_eq!(s.severity, High);
    // Deny-all is not a privilege grant.
    let s = run(rec(
        "PutUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "u", "policyName": "quarantine",
        "policyDocument": "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}),
    ));
    assert_eq!(s.severity, Medium);
}

#[test]
fn public_bucket_judgement() {
    // Conditional or Deny statements do not make a bucket public; a string document is parsed.
    let s = run(rec(
        "PutBucketPolicy",
        "s3.amazonaws.com",
        json!({"bucketName": "b1", "bucketPolicy": {"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*"}]}}),
    ));
    assert_eq!(s.severity, Medium);
    let s = run(rec(
        "PutBucketPolicy",
        "s3.amazonaws.com",
        json!({"bucketName": "b1",
        "bucketPolicy": "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":\"s3:GetObject\"}}"}),
    ));
    assert_eq!(s.severity, High);
    let s = run(rec(
        "PutBucketAcl",
        "s3.amazonaws.com",
        json!({"bucketName": "b1", "x-amz-acl": ["public-read"]}),
    ));
    assert_eq!(s.severity, High);
}

#[test]
fn console_logins() {
    let login = |ui: Value, mfa: Option<&str>, outcome: &str, err: Option<&str>| {
        let mut v = json!({"eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com", "awsRegion": "us-east-1",
            "userIdentity": ui, "responseElements": {"ConsoleLogin": outcome}, "additionalEventData": {"LoginTo": "x"}});
        if let Some(m) = mfa {
            v["additionalEventData"]["MFAUsed"] = json!(m);
        }
        if let Some(e) = err {
            v["errorMessage"] = json!(e);
        }
        run(v)
    };
    let root = json!({"type": "Root", "arn": "arn:aws:iam::1:root"});
    let s = login(root.clone(), Some("No"), "Success", None);
    assert_eq!(
        s.line,
        "root signed in to the console without MFA (us-east-1)"
    );
    assert_eq!(s.severity, Critical);
    let s = login(root.clone(), Some("Yes"), "Success", None);
    assert_eq!(s.severity, High, "root usage is at least high");
    let alice = json!({"type": "IAMUser", "userName": "alice"});
    let s = login(alice.clone(), Some("No"), "Success", None);
    assert_eq!(
        (s.line.as_str(), s.severity),
        (
            "alice signed in to the console without MFA (us-east-1)",
            High
        )
    );
    let s = login(
        alice.clone(),
        None,
        "Failure",
        Some("Failed authentication"),
    );
    assert_eq!(
        s.line,
        "alice failed to sign in to the console (Failed authentication) (us-east-1)"
    );
    let sso = json!({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_abc123/jane@example.com"});
    let s = login(sso, Some("No"), "Success", None);
    assert!(
        s.line.starts_with(
            "sso jane@example.com (Admin) signed in to the console through federation"
        ),
        "{}",
        s.line
    );
    assert_eq!(s.severity, Low);
}

#[test]
fn generic_and_root_usage() {
    let mut v = rec("DescribeInstances", "ec2.amazonaws.com", Value::Null);
    v["errorCode"] = json!("Client.UnauthorizedOperation");
    let s = run(v);
    assert_eq!(
        s.line,
        "alice called ec2:DescribeInstances (us-east-1) — failed: Client.UnauthorizedOperation"
    );
    assert_eq!(s.severity, Low);
    let mut v = rec("ListBuckets", "s3.amazonaws.com", Value::Null);
    v["userIdentity"] = json!({"type": "Root"});
    let s = run(v);
    assert_eq!(s.line, "root called s3:ListBuckets (us-east-1)");
    assert_eq!(s.severity, High);
}
