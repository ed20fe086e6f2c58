#!/usr/bin/env python3
"""Writes controls/cis-aws-foundations/<version>/*.toml.

The committed TOML files are the source of truth: trailwarden reads them, reviewers read them.
This script only exists because nine benchmark versions share most of their text, and copying
it by hand nine times invites drift. Every pattern string below is copied exactly from
shared/reference/cis-controls.md; see controls/README.md for the decisions on ambiguous texts.

Run from the repository root: `python3 controls/tools/generate.py` (stdlib only, Python 3.11+),
then `cargo test -p trailwarden-controls` to check every example against cwl-filter.
"""

import pathlib
import sys
import tomllib

sys.dont_write_bytecode = True  # keep controls/tools/ free of __pycache__
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from events import api, console_login, one_line  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1] / "cis-aws-foundations"

# (version, section, sources)
VERSIONS = [
    ("1.2.0", "3", ["SP-v120: turbot/steampipe-mod-aws-compliance cis_v120 @a1d0b446"]),
    ("1.4.0", "4", ["SP-v140: turbot/steampipe-mod-aws-compliance cis_v140 @a1d0b446",
                    "PJ-1.4: prowler-cloud/prowler compliance/aws/cis_1.4_aws.json @3e000faa"]),
    ("1.5.0", "4", ["SP-v150: turbot/steampipe-mod-aws-compliance cis_v150 @a1d0b446",
                    "PJ-1.5: prowler-cloud/prowler compliance/aws/cis_1.5_aws.json @3e000faa"]),
    ("2.0.0", "4", ["SP-v200: turbot/steampipe-mod-aws-compliance cis_v200 @a1d0b446"]),
    ("3.0.0", "4", ["SP-v300: turbot/steampipe-mod-aws-compliance cis_v300 @a1d0b446",
                    "PJ-3.0: prowler-cloud/prowler compliance/aws/cis_3.0_aws.json @3e000faa (section 4 mostly stale v1.5 text)"]),
    ("4.0.1", "4", ["SP-v400: turbot/steampipe-mod-aws-compliance cis_v400 @a1d0b446",
                    "PJ-4.0: prowler-cloud/prowler compliance/aws/cis_4.0_aws.json @3e000faa"]),
    ("5.0.0", "4", ["SP-v500: turbot/steampipe-mod-aws-compliance cis_v500 @a1d0b446",
                    "PJ-5.0: prowler-cloud/prowler compliance/aws/cis_5.0_aws.json @3e000faa"]),
    ("6.0.0", "5", ["SP-v600: turbot/steampipe-mod-aws-compliance cis_v600 @a1d0b446",
                    "PJ-6.0: prowler-cloud/prowler compliance/aws/cis_6.0_aws.json @3e000faa"]),
    ("7.0.0", "5", ["PJ-7.0: prowler-cloud/prowler compliance/aws/cis_7.0_aws.json @3e000faa (Steampipe has no v7)"]),
]
SH_SOURCE = "awsdocs/aws-security-hub-user-guide doc_source/cloudwatch-controls.md @bda5bf7"


def ver(v):
    return tuple(int(x) for x in v.split("."))


def pj(v):
    """The Prowler file name tag for a version (PJ-4.0 for 4.0.1)."""
    major, minor, _ = ver(v)
    return f"PJ-{major}.{minor}"


def sp(v):
    major, minor, patch = ver(v)
    return f"SP-v{major}{minor}{patch if major < 4 else 0}"


# ------------------------------------------------------------------------------------------------
# Pattern strings, copied exactly from shared/reference/cis-controls.md.

P41_V12 = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
P41_V13 = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }'
P41_V20 = '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
P41_V40 = '{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }'
P41_GROUPED = '{(($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}'
SH_41 = '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'

P42 = '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
P42_SSO = '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
SH_42 = P42_SSO  # Security Hub CloudWatch.3 uses the SSO variant, same spacing.

P43 = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
SH_43 = '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}'

P44 = '{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}'
SH_44 = '{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}'

P45 = '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }'
SH_45 = '{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}'

P46 = '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
SH_46 = '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}'

P47 = '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }'
SH_47 = '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}'

P48 = '{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }'
SH_48 = '{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}'

P49 = '{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }'
SH_49 = '{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}'

P410 = '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }'
# v5.0+ appends ` || ($.eventName = ModifySecurityGroupRules)` to the OR chain.
P410_V5 = P410[: -len(" }")] + " || ($.eventName = ModifySecurityGroupRules) }"
SH_410 = '{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}'

P411 = '{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }'
SH_411 = '{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}'

P412 = '{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }'
SH_412 = '{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}'

P413 = '{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }'
P413_AUDIT = '{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }'
SH_413 = '{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}'

P414 = '{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }'
SH_414 = '{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}'

P415 = '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }'

# ------------------------------------------------------------------------------------------------
# Per-topic metadata.

OLD = "Ensure a log metric filter and alarm exist for "
TOPICS = [
    # n, slug, v2+ title, v1.x title, metric name, L (v1.x), L (v2+), event source, event names
    (1, "unauthorized-api-calls", "Ensure unauthorized API calls are monitored", OLD + "unauthorized API calls",
     "UnauthorizedAPICalls", "L1", "L2", None, []),
    (2, "console-signin-without-mfa", "Ensure management console sign-in without MFA is monitored",
     OLD + "Management Console sign-in without MFA", "NoMFAConsoleSignin", "L1", "L1", "signin.amazonaws.com",
     ["ConsoleLogin"]),
    (3, "root-account-usage", "Ensure usage of 'root' account is monitored", OLD + "usage of 'root' account",
     "RootUsage", "L1", "L1", None, []),
    (4, "iam-policy-changes", "Ensure IAM policy changes are monitored", OLD + "IAM policy changes", "IAMChanges",
     "L1", "L1", "iam.amazonaws.com",
     ["DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
      "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
      "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
      "DetachGroupPolicy"]),
    (5, "cloudtrail-configuration-changes", "Ensure CloudTrail configuration changes are monitored",
     OLD + "CloudTrail configuration changes", "CloudTrailCfgChanges", "L1", "L1", "cloudtrail.amazonaws.com",
     ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]),
    (6, "console-authentication-failures", "Ensure AWS Management Console authentication failures are monitored",
     OLD + "AWS Management Console authentication failures", "ConsoleSigninFailures", "L2", "L2",
     "signin.amazonaws.com", ["ConsoleLogin"]),
    (7, "cmk-disable-or-deletion",
     "Ensure disabling or scheduled deletion of customer created CMKs is monitored",
     OLD + "disabling or scheduled deletion of customer created CMKs", "DisableOrDeleteCMK", "L2", "L2",
     "kms.amazonaws.com", ["DisableKey", "ScheduleKeyDeletion"]),
    (8, "s3-bucket-policy-changes", "Ensure S3 bucket policy changes are monitored", OLD + "S3 bucket policy changes",
     "S3BucketPolicyChanges", "L1", "L1", "s3.amazonaws.com",
     ["PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
      "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"]),
    (9, "aws-config-changes", "Ensure AWS Config configuration changes are monitored",
     OLD + "AWS Config configuration changes", "AWSConfigChanges", "L2", "L2", "config.amazonaws.com",
     ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]),
    (10, "security-group-changes", "Ensure security group changes are monitored", OLD + "security group changes",
     "SecurityGroupChanges", "L2", "L2", "ec2.amazonaws.com",
     ["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"]),
    (11, "nacl-changes", "Ensure Network Access Control Lists (NACL) changes are monitored",
     OLD + "changes to Network Access Control Lists (NACL)", "NACLChanges", "L2", "L2", "ec2.amazonaws.com",
     ["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
      "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]),
    (12, "network-gateway-changes", "Ensure changes to network gateways are monitored",
     OLD + "changes to network gateways", "NetworkGWChanges", "L1", "L1", "ec2.amazonaws.com",
     ["CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
      "DeleteInternetGateway", "DetachInternetGateway"]),
    (13, "route-table-changes", "Ensure route table changes are monitored", OLD + "route table changes",
     "RouteTableChanges", "L1", "L1", "ec2.amazonaws.com",
     ["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
      "DeleteRoute", "DisassociateRouteTable"]),
    (14, "vpc-changes", "Ensure VPC changes are monitored", OLD + "VPC changes", "VPCChanges", "L1", "L1",
     "ec2.amazonaws.com",
     ["CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
      "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
      "DisableVpcClassicLink", "EnableVpcClassicLink"]),
    (15, "organizations-changes", "Ensure AWS Organizations changes are monitored",
     "Ensure a log metric filter and alarm exists for AWS Organizations changes", "AWSOrganizationsChanges",
     "L1", "L1", "organizations.amazonaws.com",
     ["AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
      "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
      "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
      "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"]),
    (16, "security-hub-enabled", "Ensure AWS Security Hub is enabled", "Ensure AWS Security Hub is enabled",
     None, "L2", "L2", None, []),
]

RATIONALE = {
    1: "Calls refused for lack of permission are the first sign of a compromised or misused credential probing "
       "what it can reach, and of misconfigured automation. Alerting on them shortens the time to notice both.",
    2: "A console session opened without a second factor rests on a password alone. Alerting on it shows who "
       "still signs in without MFA and flags a stolen password being used.",
    3: "The root user cannot be restricted by IAM policies. Any direct use of it should be rare, deliberate and "
       "seen by someone; calls AWS services make on its behalf are excluded.",
    4: "Changes to IAM policies change who may do what. Alerting on them catches privilege escalation and "
       "accidental over-grants while they are fresh.",
    5: "Stopping, deleting or redirecting a trail blinds every other control. Alerting on trail changes makes "
       "an attempt to hide activity visible.",
    6: "Repeated failed console sign-ins point to password guessing or a credential-stuffing attempt.",
    7: "Data encrypted under a disabled or deleted customer-managed key becomes unreadable. Alerting on "
       "DisableKey and ScheduleKeyDeletion leaves time to cancel the deletion.",
    8: "Bucket ACLs and policies decide who can read the data. Alerting on their changes catches buckets made "
       "public or shared by mistake.",
    9: "Stopping the Config recorder or removing its delivery channel removes the configuration history that "
       "audits and investigations depend on.",
    10: "Security groups are stateful firewalls around instances. Alerting on their changes catches ports opened "
        "to the world.",
    11: "Network ACLs are the stateless subnet firewalls. Alerting on their changes catches traffic allowed by "
        "mistake or on purpose.",
    12: "Internet and customer gateways are the doors in and out of a VPC. Changing them can route traffic past "
        "every other control.",
    13: "Route tables decide where traffic goes. A changed route can send traffic around inspection points or "
        "out to the internet.",
    14: "VPCs and their peering connections define which networks can reach each other; changes can open paths "
        "between environments.",
    15: "Organizations changes (accounts joining or leaving, service control policies attached or detached) "
        "alter the guardrails of every member account.",
    16: "Security Hub gathers findings from AWS services and partner tools and checks the account against "
        "security standards; it must be enabled in every region in use.",
}


def level(n, v):
    t = TOPICS[n - 1]
    return t[5] if ver(v) < (2, 0, 0) else t[6]


def assessment(n, v):
    if n == 16 or ver(v) < (2, 0, 0):
        return "automated"
    if n == 1 and (4, 0, 0) <= ver(v) < (6, 0, 0):
        return "automated"
    return "manual"


# ------------------------------------------------------------------------------------------------
# Example events.

def ex(description, event, matches, **alternative_matches):
    return {"description": description, "event": event, "matches": matches, "alt": alternative_matches}


def unauthorized_events():
    ec2_denied = api("DescribeInstances", "ec2.amazonaws.com", read_only=True,
                     error=("Client.UnauthorizedOperation",
                            "You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/anaya is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action"),
                     request={"instancesSet": {}, "filterSet": {}})
    s3_denied = api("GetBucketPolicy", "s3.amazonaws.com", read_only=True, error=("AccessDenied", "Access Denied"),
                    request={"bucketName": "example-finance-reports", "Host": "example-finance-reports.s3.us-east-1.amazonaws.com", "policy": ""})
    kms_denied = api("Decrypt", "kms.amazonaws.com", read_only=True, who="AssumedRole",
                     error=("AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_5a6b7c8d9e0f1a2b/jdoe@example.com is not authorized to perform: kms:Decrypt on this resource because no resource-based policy allows the kms:Decrypt action"),
                     request={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
    delivery_denied = api("GetBucketAcl", "s3.amazonaws.com", who="AWSService", read_only=True,
                          invoked_by="delivery.logs.amazonaws.com", ip="delivery.logs.amazonaws.com",
                          agent="delivery.logs.amazonaws.com", error=("AccessDenied", "Access Denied"),
                          request={"bucketName": "example-flow-logs", "Host": "example-flow-logs.s3.us-east-1.amazonaws.com", "acl": ""})
    headbucket_denied = api("HeadBucket", "s3.amazonaws.com", read_only=True, error=("AccessDenied", "Access Denied"),
                            request={"bucketName": "example-finance-reports", "Host": "example-finance-reports.s3.us-east-1.amazonaws.com"})
    ok = api("DescribeInstances", "ec2.amazonaws.com", read_only=True, request={"instancesSet": {}, "filterSet": {}},
             response=None)
    not_found = api("GetBucketPolicy", "s3.amazonaws.com", read_only=True,
                    error=("NoSuchBucketPolicy", "The bucket policy does not exist"),
                    request={"bucketName": "example-static-site", "Host": "example-static-site.s3.us-east-1.amazonaws.com", "policy": ""})
    suffix_miss = api("RunInstances", "ec2.amazonaws.com",
                      error=("Client.UnauthorizedOperationException.Suffix", "made-up code: the suffix wildcard must end the value"),
                      request={"instanceType": "t3.micro"})
    delivery_headbucket_ok = api("HeadBucket", "s3.amazonaws.com", who="AWSService", read_only=True,
                                 invoked_by="delivery.logs.amazonaws.com", ip="delivery.logs.amazonaws.com",
                                 agent="delivery.logs.amazonaws.com",
                                 request={"bucketName": "example-flow-logs", "Host": "example-flow-logs.s3.us-east-1.amazonaws.com"})
    insight = {"eventVersion": "1.07", "eventTime": "2026-03-03T20:56:00Z", "awsRegion": "us-east-1",
               "eventID": "5f0a2c3e-6f1d-4b8e-9c41-2d7b0a9e1f33", "eventType": "AwsCloudTrailInsight",
               "recipientAccountId": "111122223333", "sharedEventID": "8c1d9f0e-4b7a-4e2c-a1d3-6f5e4b3a2c10",
               "insightDetails": {"state": "Start", "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances",
                                  "insightType": "ApiErrorRateInsight", "errorCode": "Client.UnauthorizedOperation"},
               "eventCategory": "Insight"}
    return locals()


def examples_41(v):
    e = unauthorized_events()
    m = [ex("EC2 call refused with Client.UnauthorizedOperation (suffix wildcard *UnauthorizedOperation)",
            e["ec2_denied"], True),
         ex("S3 GetBucketPolicy refused with AccessDenied by a user", e["s3_denied"], True),
         ex("KMS Decrypt refused with AccessDeniedException (prefix wildcard AccessDenied*)", e["kms_denied"], True)]
    if ver(v) < (1, 3, 0):
        return m + [
            ex("v1.2 has no exclusions: AccessDenied on the log-delivery service's GetBucketAcl counts",
               e["delivery_denied"], True),
            ex("successful call: no errorCode", e["ok"], False),
            ex("other error code (NoSuchBucketPolicy)", e["not_found"], False),
            ex("look-alike error code: *UnauthorizedOperation must end the value", e["suffix_miss"], False),
        ]
    if ver(v) < (2, 0, 0):
        return m + [
            ex("MISFIRE of the published all-|| text: a successful DescribeInstances matches because "
               "sourceIPAddress != delivery.logs.amazonaws.com", e["ok"], True, grouped=False),
            ex("MISFIRE: AccessDenied from the log-delivery service still matches the published text",
               e["delivery_denied"], True, grouped=False),
            ex("HeadBucket by the log-delivery service without error: every term is false", e["delivery_headbucket_ok"],
               False),
            ex("CloudTrail Insights record: no errorCode, sourceIPAddress or eventName at the top level, and != on "
               "a missing field is false", e["insight"], False),
        ]
    return m + [
        ex("AccessDenied on GetBucketAcl from delivery.logs.amazonaws.com (log delivery probing a bucket) is excluded",
           e["delivery_denied"], False),
        ex("AccessDenied on HeadBucket is excluded", e["headbucket_denied"], False),
        ex("successful call: no errorCode", e["ok"], False),
        ex("other error code (NoSuchBucketPolicy)", e["not_found"], False),
        ex("look-alike error code: *UnauthorizedOperation must end the value", e["suffix_miss"], False),
    ]


def examples_42(v):
    # Overrides naming an alternative this version lacks are dropped by control_toml; v1.2's Security
    # Hub CloudWatch.3 is the SSO variant, so it judges these events as the SSO variant does.
    alt = {"sso": False, "security_hub": False}
    return [
        ex("IAM user signs in to the console without MFA", console_login(mfa="No"), True),
        ex("IAM Identity Center (SSO) session, MFAUsed No: the SSO variant drops it",
           console_login(who="AssumedRole", mfa="No"), True, **alt),
        ex("root sign-in with MFAUsed \"YES\": comparison is case-sensitive, so != \"Yes\" holds",
           console_login(who="Root", mfa="YES"), True, **alt),
        ex("failed IAM user sign-in without MFA: the SSO variant requires ConsoleLogin = Success",
           console_login(mfa="No", success=False), True, **alt),
        ex("IAM user signs in with MFA", console_login(mfa="Yes"), False),
        ex("sign-in record without an MFAUsed field: != on a missing field is false",
           console_login(include_mfa=False), False),
        ex("look-alike event name CheckMfa with MFAUsed No",
           {**console_login(mfa="No"), "eventName": "CheckMfa"}, False),
    ]


def examples_43(v):
    return [
        ex("root signs in to the console", console_login(who="Root", mfa="Yes"), True),
        ex("root creates an access key with the CLI",
           api("CreateAccessKey", "iam.amazonaws.com", who="Root", request={"userName": "root"},
               response={"accessKey": {"userName": "root", "accessKeyId": "AKIAI44QH8DHBEXAMPLE", "status": "Active",
                                       "createDate": "Mar 4, 2026 9:12:05 AM"}}), True),
        ex("root usage invoked by an AWS service (userIdentity.invokedBy present)",
           api("GetBucketAcl", "s3.amazonaws.com", who="Root", invoked_by="support.amazonaws.com",
               ip="support.amazonaws.com", agent="support.amazonaws.com", read_only=True,
               request={"bucketName": "example-finance-reports", "acl": ""}), False),
        ex("AwsServiceEvent attributed to the root user",
           api("RotateKey", "kms.amazonaws.com", who="Root", event_type="AwsServiceEvent",
               request=None, ip="kms.amazonaws.com", agent="kms.amazonaws.com"), False),
        ex("IAM user, not root", api("CreateAccessKey", "iam.amazonaws.com", request={"userName": "anaya"}), False),
        ex("userIdentity.type \"root\" in lower case does not equal \"Root\"",
           api("ListBuckets", "s3.amazonaws.com", read_only=True,
               extra={"userIdentity": {"type": "root", "principalId": "111122223333",
                                       "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}}), False),
    ]


def ec2(name, request=None, **kw):
    return api(name, "ec2.amazonaws.com", request=request or {}, response={"requestId": "c0ffee00-1111-4222-8333-944455556666", "_return": True}, **kw)


def examples_44(v):
    return [
        ex("AttachRolePolicy of AdministratorAccess",
           api("AttachRolePolicy", "iam.amazonaws.com",
               request={"roleName": "backdoor", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}), True),
        ex("PutUserPolicy inline policy",
           api("PutUserPolicy", "iam.amazonaws.com",
               request={"userName": "anaya", "policyName": "s3-all", "policyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}), True),
        ex("CreatePolicyVersion (new default version of a managed policy)",
           api("CreatePolicyVersion", "iam.amazonaws.com",
               request={"policyArn": "arn:aws:iam::111122223333:policy/ci-deploy", "setAsDefault": True}), True),
        ex("name collision: Organizations CreatePolicy also matches (the pattern has no eventSource term)",
           api("CreatePolicy", "organizations.amazonaws.com",
               request={"name": "deny-leave", "type": "SERVICE_CONTROL_POLICY"}), True),
        ex("UpdateAssumeRolePolicy changes a trust policy but is not in the list",
           api("UpdateAssumeRolePolicy", "iam.amazonaws.com", request={"roleName": "backdoor"}), False),
        ex("look-alike: ListAttachedRolePolicies (read-only)",
           api("ListAttachedRolePolicies", "iam.amazonaws.com", read_only=True, request={"roleName": "backdoor"}), False),
        ex("event name in the wrong case: attachRolePolicy",
           api("attachRolePolicy", "iam.amazonaws.com", request={"roleName": "backdoor"}), False),
    ]


def examples_45(v):
    return [
        ex("StopLogging on the organization trail",
           api("StopLogging", "cloudtrail.amazonaws.com",
               request={"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"}), True),
        ex("DeleteTrail", api("DeleteTrail", "cloudtrail.amazonaws.com", request={"name": "org-trail"}), True),
        ex("UpdateTrail that failed still matches: the pattern does not look at errorCode",
           api("UpdateTrail", "cloudtrail.amazonaws.com", request={"name": "no-such-trail", "isMultiRegionTrail": True},
               error=("TrailNotFoundException", "Unknown trail: no-such-trail for the user: 111122223333")), True),
        ex("PutEventSelectors can exclude events from a trail but is not in the list",
           api("PutEventSelectors", "cloudtrail.amazonaws.com",
               request={"trailName": "org-trail", "eventSelectors": [{"readWriteType": "ReadOnly", "includeManagementEvents": True}]}), False),
        ex("look-alike: StopEventDataStoreIngestion (CloudTrail Lake)",
           api("StopEventDataStoreIngestion", "cloudtrail.amazonaws.com", request={"eventDataStore": "lake-1"}), False),
        ex("look-alike: DescribeTrails (read-only)",
           api("DescribeTrails", "cloudtrail.amazonaws.com", read_only=True, request={"includeShadowTrails": True}), False),
    ]


def examples_46(v):
    return [
        ex("IAM user console sign-in failed", console_login(mfa="No", success=False), True),
        ex("root console sign-in failed", console_login(who="Root", mfa="No", success=False), True),
        ex("successful sign-in", console_login(mfa="No"), False),
        ex("failure with another message (unknown user name)",
           console_login(mfa="No", success=False, error_message="No username found in supplied account"), False),
        ex("errorMessage in another case: \"failed authentication\"",
           console_login(mfa="No", success=False, error_message="failed authentication"), False),
    ]


def examples_47(v):
    return [
        ex("DisableKey on a customer managed key",
           api("DisableKey", "kms.amazonaws.com", request={"keyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}), True),
        ex("ScheduleKeyDeletion with a 7-day window",
           api("ScheduleKeyDeletion", "kms.amazonaws.com",
               request={"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "pendingWindowInDays": 7},
               response={"keyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "deletionDate": "Mar 11, 2026 12:00:00 AM", "keyState": "PendingDeletion", "pendingWindowInDays": 7}), True),
        ex("look-alike: DisableKeyRotation",
           api("DisableKeyRotation", "kms.amazonaws.com", request={"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}), False),
        ex("CancelKeyDeletion",
           api("CancelKeyDeletion", "kms.amazonaws.com", request={"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}), False),
        ex("DisableKey name under the wrong eventSource (payment-cryptography)",
           api("DisableKey", "payment-cryptography.amazonaws.com", request={"keyIdentifier": "arn:aws:payment-cryptography:us-east-1:111122223333:key/abcdefghijklmnop"}), False),
    ]


def s3req(bucket, **kw):
    return {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", **kw}


def examples_48(v):
    return [
        ex("PutBucketPolicy", api("PutBucketPolicy", "s3.amazonaws.com", request=s3req("example-finance-reports", policy="")), True),
        ex("PutBucketAcl granting public read",
           api("PutBucketAcl", "s3.amazonaws.com", request=s3req("example-finance-reports", acl="", **{"x-amz-acl": ["public-read"]})), True),
        ex("DeleteBucketCors", api("DeleteBucketCors", "s3.amazonaws.com", request=s3req("example-static-site", cors="")), True),
        ex("look-alike: PutBucketVersioning",
           api("PutBucketVersioning", "s3.amazonaws.com", request=s3req("example-finance-reports", versioning="")), False),
        ex("PutBucketPublicAccessBlock is not in the list",
           api("PutBucketPublicAccessBlock", "s3.amazonaws.com", request=s3req("example-finance-reports", publicAccessBlock="")), False),
        ex("same event name under the wrong eventSource (S3 on Outposts)",
           api("PutBucketPolicy", "s3-outposts.amazonaws.com", request={"bucketName": "example-outposts-bucket"}), False),
    ]


def examples_49(v):
    return [
        ex("StopConfigurationRecorder",
           api("StopConfigurationRecorder", "config.amazonaws.com", request={"configurationRecorderName": "default"}), True),
        ex("DeleteDeliveryChannel",
           api("DeleteDeliveryChannel", "config.amazonaws.com", request={"deliveryChannelName": "default"}), True),
        ex("DeleteConfigurationRecorder is not in the list",
           api("DeleteConfigurationRecorder", "config.amazonaws.com", request={"configurationRecorderName": "default"}), False),
        ex("look-alike: StartConfigurationRecorder",
           api("StartConfigurationRecorder", "config.amazonaws.com", request={"configurationRecorderName": "default"}), False),
        ex("event name right, eventSource wrong case (Config.amazonaws.com)",
           api("StopConfigurationRecorder", "Config.amazonaws.com", request={"configurationRecorderName": "default"}), False),
    ]


def examples_410(v):
    v5 = ver(v) >= (5, 0, 0)
    modify = ec2("ModifySecurityGroupRules", {"ModifySecurityGroupRulesRequest": {"GroupId": "sg-0a1b2c3d4e5f67890", "SecurityGroupRule": {"SecurityGroupRuleId": "sgr-0123456789abcdef0", "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"}}}})
    examples = [
        ex("AuthorizeSecurityGroupIngress opening port 22 to the world",
           ec2("AuthorizeSecurityGroupIngress", {"groupId": "sg-0a1b2c3d4e5f67890", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}), True),
        ex("RevokeSecurityGroupEgress", ec2("RevokeSecurityGroupEgress", {"groupId": "sg-0a1b2c3d4e5f67890"}), True),
        ex("CreateSecurityGroup", ec2("CreateSecurityGroup", {"groupName": "debug", "groupDescription": "temp", "vpcId": "vpc-0abc1234def567890"}), True),
    ]
    if v5:
        examples.append(ex("ModifySecurityGroupRules (added to the list in v5.0.0)", modify, True))
    else:
        examples.append(ex("ModifySecurityGroupRules edits a rule in place but is only in the list from v5.0.0",
                           modify, False))
    examples += [
        ex("look-alike: UpdateSecurityGroupRuleDescriptionsIngress",
           ec2("UpdateSecurityGroupRuleDescriptionsIngress", {"groupId": "sg-0a1b2c3d4e5f67890"}), False),
        ex("read-only DescribeSecurityGroups", ec2("DescribeSecurityGroups", {"securityGroupIdSet": {}}, read_only=True), False),
        ex("event name in the wrong case: authorizeSecurityGroupIngress",
           ec2("authorizeSecurityGroupIngress", {"groupId": "sg-0a1b2c3d4e5f67890"}), False),
    ]
    return examples


def examples_411(v):
    return [
        ex("CreateNetworkAclEntry allowing all inbound traffic",
           ec2("CreateNetworkAclEntry", {"networkAclId": "acl-0123456789abcdef0", "ruleNumber": 100, "egress": False, "ruleAction": "allow", "icmpTypeCode": {}, "portRange": {}, "aclProtocol": "-1", "cidrBlock": "0.0.0.0/0"}), True),
        ex("ReplaceNetworkAclAssociation",
           ec2("ReplaceNetworkAclAssociation", {"associationId": "aclassoc-0123456789abcdef0", "networkAclId": "acl-0123456789abcdef0"}), True),
        ex("DeleteNetworkAcl", ec2("DeleteNetworkAcl", {"networkAclId": "acl-0123456789abcdef0"}), True),
        ex("read-only DescribeNetworkAcls", ec2("DescribeNetworkAcls", {"networkAclIdSet": {}}, read_only=True), False),
        ex("look-alike: ReplaceRouteTableAssociation (a route-table event)",
           ec2("ReplaceRouteTableAssociation", {"associationId": "rtbassoc-0123456789abcdef0", "routeTableId": "rtb-0123456789abcdef0"}), False),
        ex("look-alike: CreateNetworkInterface", ec2("CreateNetworkInterface", {"subnetId": "subnet-0123456789abcdef0"}), False),
    ]


def examples_412(v):
    return [
        ex("CreateInternetGateway", ec2("CreateInternetGateway", {}), True),
        ex("AttachInternetGateway",
           ec2("AttachInternetGateway", {"internetGatewayId": "igw-0123456789abcdef0", "vpcId": "vpc-0abc1234def567890"}), True),
        ex("DeleteCustomerGateway", ec2("DeleteCustomerGateway", {"customerGatewayId": "cgw-0123456789abcdef0"}), True),
        ex("look-alike: CreateEgressOnlyInternetGateway",
           ec2("CreateEgressOnlyInternetGateway", {"vpcId": "vpc-0abc1234def567890"}), False),
        ex("CreateNatGateway: NAT gateways are not in the list", ec2("CreateNatGateway", {"subnetId": "subnet-0123456789abcdef0"}), False),
        ex("CreateTransitGateway: transit gateways are not in the list", ec2("CreateTransitGateway", {}), False),
    ]


def examples_413(v):
    audit = ver(v) >= (2, 0, 0)
    alt = {"audit-text": False} if audit else {}
    return [
        ex("CreateRoute to an internet gateway",
           ec2("CreateRoute", {"routeTableId": "rtb-0123456789abcdef0", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-0123456789abcdef0"}), True),
        ex("ReplaceRouteTableAssociation",
           ec2("ReplaceRouteTableAssociation", {"associationId": "rtbassoc-0123456789abcdef0", "routeTableId": "rtb-0123456789abcdef0"}), True),
        ex("DisassociateRouteTable", ec2("DisassociateRouteTable", {"associationId": "rtbassoc-0123456789abcdef0"}), True),
        ex("name collision: API Gateway v2 CreateRoute matches the remediation text (no eventSource term); "
           "the audit text's ec2 scope excludes it",
           api("CreateRoute", "apigateway.amazonaws.com", request={"apiId": "a1b2c3d4e5", "routeKey": "GET /pets"}), True, **alt),
        ex("AssociateRouteTable is not in the list",
           ec2("AssociateRouteTable", {"routeTableId": "rtb-0123456789abcdef0", "subnetId": "subnet-0123456789abcdef0"}), False),
        ex("read-only DescribeRouteTables", ec2("DescribeRouteTables", {"routeTableIdSet": {}}, read_only=True), False),
        ex("look-alike: CreateLocalGatewayRoute",
           ec2("CreateLocalGatewayRoute", {"localGatewayRouteTableId": "lgw-rtb-0123456789abcdef0"}), False),
    ]


def examples_414(v):
    return [
        ex("CreateVpc", ec2("CreateVpc", {"cidrBlock": "10.0.0.0/16"}), True),
        ex("ModifyVpcAttribute enabling DNS hostnames",
           ec2("ModifyVpcAttribute", {"vpcId": "vpc-0abc1234def567890", "enableDnsHostnames": {"value": True}}), True),
        ex("CreateVpcPeeringConnection to another account",
           ec2("CreateVpcPeeringConnection", {"vpcId": "vpc-0abc1234def567890", "peerVpcId": "vpc-0fed9876cba543210", "peerOwnerId": "444455556666"}), True),
        ex("look-alike: CreateVpcEndpoint", ec2("CreateVpcEndpoint", {"vpcId": "vpc-0abc1234def567890", "serviceName": "com.amazonaws.us-east-1.s3"}), False),
        ex("look-alike: ModifyVpcEndpoint", ec2("ModifyVpcEndpoint", {"vpcEndpointId": "vpce-0123456789abcdef0"}), False),
        ex("read-only DescribeVpcs", ec2("DescribeVpcs", {"vpcSet": {}}, read_only=True), False),
    ]


def examples_415(v):
    return [
        ex("member account leaves the organization",
           api("LeaveOrganization", "organizations.amazonaws.com", request=None), True),
        ex("CreateAccount in the management account",
           api("CreateAccount", "organizations.amazonaws.com", request={"accountName": "sandbox", "email": "HIDDEN_DUE_TO_SECURITY_REASONS"}), True),
        ex("DetachPolicy removing an SCP",
           api("DetachPolicy", "organizations.amazonaws.com", request={"policyId": "p-examplepolicyid111", "targetId": "ou-examplerootid111-exampleouid111"}), True),
        ex("IAM CreatePolicy: right name, wrong eventSource",
           api("CreatePolicy", "iam.amazonaws.com", request={"policyName": "deny-leave", "policyDocument": "{}"}), False),
        ex("CreateOrganization is not in the list", api("CreateOrganization", "organizations.amazonaws.com", request={"featureSet": "ALL"}), False),
        ex("CancelHandshake is not in the list",
           api("CancelHandshake", "organizations.amazonaws.com", request={"handshakeId": "h-examplehandshakeid111"}), False),
    ]


EXAMPLES = {1: examples_41, 2: examples_42, 3: examples_43, 4: examples_44, 5: examples_45, 6: examples_46,
            7: examples_47, 8: examples_48, 9: examples_49, 10: examples_410, 11: examples_411, 12: examples_412,
            13: examples_413, 14: examples_414, 15: examples_415}

# ------------------------------------------------------------------------------------------------
# Per-version pattern choice, alternatives, Security Hub, warnings.


def pattern_41(v):
    V = ver(v)
    if V < (1, 3, 0):
        return P41_V12, sp(v), [], []
    grouped = {"name": "grouped", "pattern": P41_GROUPED,
               "source": "steampipe-mod-aws-compliance#272 (as quoted in cis-controls.md §4 note 2)",
               "note": "The intended reading, every term grouped: (UnauthorizedOperation or AccessDenied) and not "
                       "from delivery.logs.amazonaws.com and not HeadBucket. Recommended when deploying a new filter."}
    if V < (2, 0, 0):
        return P41_V13, f"{sp(v)}, {pj(v)}", [grouped], [
            "The published text ORs the two exclusions, so it matches almost every CloudTrail event (any event "
            "not from delivery.logs.amazonaws.com). It is kept exactly as published, because an audit must "
            "recognise it; do not deploy it: deploy the 'grouped' alternative. See controls/README.md."]
    if V < (4, 0, 0):
        return P41_V20, sp(v), [grouped], [
            "The text mixes || and && without grouping. trailwarden (like CloudWatch's documented precedence) reads "
            "it as A || (B && C && D): *UnauthorizedOperation errors match even from delivery.logs.amazonaws.com "
            "or on HeadBucket; only AccessDenied* is filtered by the exclusions. See controls/README.md."]
    quoted = {"name": "quoted", "pattern": P41_V20, "source": f"{sp(v)} (keeps the quotes)" if v != "7.0.0" else "v2.0.0/v3.0.0 text (SP-v400/v500 keep the quotes)",
              "note": "The same text with quoted values; it means the same thing."}
    return P41_V40, pj(v), [quoted, grouped], [
        "The text mixes || and && without grouping; read as A || (B && C && D). See controls/README.md."]


def control_pattern(n, v):
    """(pattern, pattern_source, alternatives, warnings)."""
    V = ver(v)
    src = f"{sp(v)}, {pj(v)}" if v not in ("1.2.0", "2.0.0", "7.0.0") else (sp(v) if v != "7.0.0" else pj(v))
    if n == 1:
        return pattern_41(v)
    if n == 2:
        alts = []
        warns = []
        if V >= (1, 4, 0):
            alts.append({"name": "sso", "pattern": P42_SSO, "source": src,
                         "note": "Published as \"Or (To reduce false positives incase Single Sign-On (SSO) is used in "
                                 "organization)\": only IAM users, only successful sign-ins."})
        if V >= (4, 0, 0):
            warns.append(f"{pj(v)} writes the value unquoted (MFAUsed != Yes); quoted and unquoted simple tokens mean "
                         "the same.")
        return P42, src, alts, warns
    if n == 3:
        return P43, src, [], []
    if n == 4:
        return P44, src, [], ["No eventSource term: same-named calls of other services (Organizations "
                               "CreatePolicy/DeletePolicy) also match."]
    if n == 5:
        return P45, src, [], []
    if n == 6:
        warns = []
        if V >= (4, 0, 0):
            warns.append(f"{pj(v)} writes ($.errorMessage = Failed authentication) without quotes; a value with a "
                         "space needs them, so the quoted text is kept.")
        return P46, src, [], warns
    if n == 7:
        return P47, src, [], []
    if n == 8:
        return P48, src, [], []
    if n == 9:
        return P49, src, [], []
    if n == 10:
        return (P410_V5 if V >= (5, 0, 0) else P410), src, [], []
    if n == 11:
        return P411, src, [], []
    if n == 12:
        return P412, src, [], ["No NAT, transit or VPN gateway events are in the list."]
    if n == 13:
        alts, warns = [], ["No eventSource term: same-named calls of other services (API Gateway v2 CreateRoute) "
                           "also match."]
        if V >= (2, 0, 0):
            alts.append({"name": "audit-text", "pattern": P413_AUDIT,
                         "source": "PJ-3.0 audit procedure (PJ-4.0/5.0/6.0 identical)",
                         "note": "The audit procedure's text. It disagrees with the remediation text and leaves its "
                                 "terms ungrouped, so the ec2 scope applies to CreateRoute only. The remediation text "
                                 "is canonical; see controls/README.md."})
        return P413, src, alts, warns
    if n == 14:
        return P414, src, [], ["AttachClassicLinkVpc, DetachClassicLinkVpc, DisableVpcClassicLink and "
                               "EnableVpcClassicLink belong to the retired EC2-Classic."]
    if n == 15:
        warns = ["The CIS text scopes this control to changes made in the management account."]
        if V >= (4, 0, 0):
            warns.append(f"{pj(v)} writes the event names unquoted; the quoted text is kept (same meaning).")
        return P415, (sp(v) + ", " + pj(v)) if v not in ("7.0.0",) else "PJ-3.0 text (PJ-7.0 unquoted)", [], warns
    raise ValueError(n)


SH = {1: ("CloudWatch.2", SH_41), 2: ("CloudWatch.3", SH_42), 3: ("CloudWatch.1", SH_43), 4: ("CloudWatch.4", SH_44),
      5: ("CloudWatch.5", SH_45), 6: ("CloudWatch.6", SH_46), 7: ("CloudWatch.7", SH_47), 8: ("CloudWatch.8", SH_48),
      9: ("CloudWatch.9", SH_49), 10: ("CloudWatch.10", SH_410), 11: ("CloudWatch.11", SH_411),
      12: ("CloudWatch.12", SH_412), 13: ("CloudWatch.13", SH_413), 14: ("CloudWatch.14", SH_414)}


def security_hub(n, v):
    """Security Hub's CloudWatch.* related requirements list only CIS v1.2.0 and v1.4.0 (§1)."""
    if v == "1.2.0" and n in SH:
        return SH[n], None
    if v == "1.4.0" and 3 <= n <= 14:
        note = None
        if n == 3:
            note = ("CloudWatch.1 lists CIS 1.4.0/4.3 as a related requirement, yet the same guide's CIS 1.4 page "
                    "lists 4.3 among the automated checks that are not supported.")
        return SH[n], note
    return None, None


# ------------------------------------------------------------------------------------------------
# TOML output.

def lit(s):
    """A TOML literal string; multi-line form when the text has a single quote."""
    assert "'''" not in s and "\n" not in s
    return f"'''{s}'''" if "'" in s else f"'{s}'"


def basic(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def strlist(items, indent="    "):
    if not items:
        return "[]"
    return "[\n" + "".join(f"{indent}{basic(i)},\n" for i in items) + "]"


def wrap(text, width=100):
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def control_toml(n, v, section):
    t = TOPICS[n - 1]
    _, slug, title_new, title_old, metric, *_rest = t
    source, names = t[7], t[8]
    if n == 10 and ver(v) >= (5, 0, 0):
        names = names + ["ModifySecurityGroupRules"]
    title = title_new if ver(v) >= (2, 0, 0) else title_old
    cid = f"{section}.{n}"
    L = []
    L.append(f"# CIS AWS Foundations Benchmark v{v}, {cid}. Generated by controls/tools/generate.py, then committed:")
    L.append("# this file is the source of truth. Pattern strings are copied exactly (shared/reference/cis-controls.md).")
    L.append(f"id = {basic(cid)}")
    L.append(f"slug = {basic(slug)}")
    L.append(f"title = {basic(title)}")
    L.append(f"level = {basic(level(n, v))}")
    L.append(f"assessment = {basic(assessment(n, v))}")
    if n == 16:
        L.append('kind = "security-hub-enabled"')
        L.append(f"rationale = '''\n{wrap(RATIONALE[n])}'''")
        L.append("remediation = '''\n" + wrap(
            "Attach AWSSecurityHubFullAccess to the operator, then in every region in use run "
            "`aws securityhub enable-security-hub --enable-default-standards` (or --no-enable-default-standards). "
            "Evaluated per region; there is no filter pattern.") + "'''")
        return "\n".join(L) + "\n"
    L.append('kind = "metric-filter"')
    L.append(f"metric_name = {basic(metric)}")
    if source:
        L.append(f"event_source = {basic(source)}")
    L.append(f"event_names = {strlist(names)}")
    pattern, psrc, alts, warns = control_pattern(n, v)
    L.append(f"pattern = {lit(pattern)}")
    L.append(f"pattern_source = {basic(psrc)}")
    L.append(f"rationale = '''\n{wrap(RATIONALE[n])}'''")
    if warns:
        L.append("warnings = [")
        for w in warns:
            L.append(f"    {basic(w)},")
        L.append("]")
    for a in alts:
        L.append("")
        L.append("[[alternatives]]")
        L.append(f"name = {basic(a['name'])}")
        L.append(f"pattern = {lit(a['pattern'])}")
        L.append(f"source = {basic(a['source'])}")
        L.append(f"note = {basic(a['note'])}")
    (sh, sh_note) = security_hub(n, v)
    if sh:
        L.append("")
        L.append("[security_hub]")
        L.append(f"control_id = {basic(sh[0])}")
        L.append(f"pattern = {lit(sh[1])}")
        L.append(f"source = {basic(SH_SOURCE)}")
        if sh_note:
            L.append(f"note = {basic(sh_note)}")
    alt_names = {a["name"] for a in alts} | ({"security_hub"} if sh else set())
    for e in EXAMPLES[n](v):
        L.append("")
        L.append("[[examples]]")
        L.append(f"description = {basic(e['description'])}")
        L.append(f"matches = {'true' if e['matches'] else 'false'}")
        # Overrides for alternatives that judge this event differently; drop those absent in this version.
        alt = {k: val for k, val in e["alt"].items() if k in alt_names}
        if alt:
            inner = ", ".join(f"{k} = {'true' if val else 'false'}" for k, val in sorted(alt.items()))
            L.append(f"alternative_matches = {{ {inner} }}")
        L.append(f"event = '''{one_line(e['event'])}'''")
    return "\n".join(L) + "\n"


BENCH_NOTES = {
    "1.2.0": "Monitoring is section 3 (3.1-3.14); items were \"Scored\", recorded here as automated. No AWS "
             "Organizations item and no Security Hub item yet. Security Hub's CloudWatch.1-14 controls list "
             "these requirements.",
    "1.4.0": "Monitoring moved to section 4 in v1.3.0 (a Storage section was inserted) and gained 4.15 (AWS "
             "Organizations). Security Hub's CIS 1.4 standard does not check 4.1, 4.2, 4.3 or 4.15. The 4.1 text "
             "misfires (all-|| form); see controls/README.md.",
    "1.5.0": "Adds 4.16, Security Hub enabled. The 4.1 text misfires (all-|| form); see controls/README.md.",
    "2.0.0": "Titles become \"Ensure ... is monitored\"; 4.1-4.15 become Manual (4.16 stays Automated); 4.1 moves "
             "to Level 2 and its pattern gains && exclusions (ungrouped; see controls/README.md).",
    "3.0.0": "Same texts as v2.0.0 (Prowler's cis_3.0 file still carries v1.5 text for most of section 4; "
             "Steampipe's v3.0.0 text is used). trailwarden's default benchmark.",
    "4.0.1": "4.1 becomes Automated again (Level 2). Prowler drops the quotes around simple values.",
    "5.0.0": "4.10 adds ModifySecurityGroupRules. 4.1 is Automated per Steampipe, Manual per Prowler; recorded as "
             "automated.",
    "6.0.0": "Sections renumbered: Monitoring is section 5 (5.1-5.16). Patterns identical to v5.0.0.",
    "7.0.0": "Titles, levels and patterns identical to v6.0.0 (Prowler only; Steampipe has no v7 yet).",
}


def benchmark_toml(v, section, sources):
    L = [f"# CIS AWS Foundations Benchmark v{v}: the Monitoring section, as trailwarden knows it.",
         f"id = {basic('cis-aws-foundations-v' + v)}",
         f"version = {basic(v)}",
         f"title = {basic('CIS Amazon Web Services Foundations Benchmark v' + v)}",
         f"section = {basic(section)}",
         'section_title = "Monitoring"',
         f"sources = {strlist(sources)}",
         f"notes = '''\n{wrap(BENCH_NOTES[v])}'''"]
    return "\n".join(L) + "\n"


def main():
    for v, section, sources in VERSIONS:
        d = ROOT / f"v{v}"
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("*.toml"):
            old.unlink()
        (d / "benchmark.toml").write_text(benchmark_toml(v, section, sources))
        last = 14 if ver(v) < (1, 3, 0) else 15 if ver(v) < (1, 5, 0) else 16
        for n in range(1, last + 1):
            text = control_toml(n, v, section)
            tomllib.loads(text)  # fail early on a TOML mistake
            path = d / f"{section}.{n}-{TOPICS[n - 1][1]}.toml"
            path.write_text(text)
    print(f"wrote {ROOT}")


if __name__ == "__main__":
    main()
