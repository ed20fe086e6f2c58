"""Seeds one moto account for the audit benchmark: a logging chain per CIS §4 control, some sound and some
broken in ways where trailwarden and Prowler are expected to disagree (see /work/shared/reference/peer-checkers.md
§1 for Prowler's logic).

    python seed.py ENDPOINT_URL [expected.json]

Writes the scenario (control → case, expected verdict per tool) as JSON to stdout or to the given file; the
benchmark script prints it beside the verdicts the tools actually gave.

The account is moto's default (123456789012). Home region us-east-1: one multi-region, logging trail with
read+write management selectors, delivering to the log group `cis-trail-logs`; one SNS topic with an email
subscription (moto confirms it at once; a pending subscription cannot be modelled). Every filter publishes to
namespace CISBenchmark unless the case says otherwise.
"""

import json
import sys

import boto3

ACCOUNT = "123456789012"
HOME = "us-east-1"
OTHER = "eu-west-1"
GROUP = "cis-trail-logs"
NS = "CISBenchmark"

# CIS v3.0.0 remediation patterns (/work/shared/reference/cis-controls.md §3).
CIS = {
    "4.1": '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    "4.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "4.3": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "4.4": "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    "4.5": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "4.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "4.7": "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "4.8": "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "4.9": "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    "4.10": "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    "4.11": "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "4.12": "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    "4.13": "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    "4.14": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    "4.15": '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
}

S3_EVENTS = ["PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
             "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"]


def ors(events, source=None):
    body = " || ".join(f"($.eventName = {e})" for e in events)
    return f"{{ ($.eventSource = {source}) && ({body}) }}" if source else f"{{ {body} }}"


# control → (case, [(region, filter name, pattern)], alarm: (region, namespace, with_actions), expected)
# expected = (trailwarden, prowler). Each expectation cites the rule it rests on.
CASES = {
    "4.1": ("textbook CIS v3.0.0 pattern, alarm → SNS", [(HOME, "unauthorized-api-calls", CIS["4.1"])], "ok", ("PASS", "PASS")),
    "4.2": ("textbook", [(HOME, "console-signin-no-mfa", CIS["4.2"])], "ok", ("PASS", "PASS")),
    "4.3": ("textbook", [(HOME, "root-usage", CIS["4.3"])], "ok", ("PASS", "PASS")),
    "4.4": ("alarm on the filter's metric name but in namespace LogMetrics (the filter publishes to CISBenchmark)",
            # peer-checkers.md §1 (snapshot 2026-08-21) says Prowler ignores the namespace; 5.46.0's
            # check_cloudwatch_log_metric_filter compares it (and the region) when both sides have one.
            [(HOME, "iam-policy-changes", CIS["4.4"])], "wrong-namespace", ("FAIL", "FAIL")),
    "4.5": ("alarm without any action (no SNS topic)",
            [(HOME, "cloudtrail-config-changes", CIS["4.5"])], "no-actions", ("FAIL", "PASS")),
    "4.6": ("textbook clauses in reverse order",
            [(HOME, "console-auth-failures", '{ ($.errorMessage = "Failed authentication") && ($.eventName = ConsoleLogin) }')],
            "ok", ("PASS", "PASS")),
    "4.7": ("filter lacks ScheduleKeyDeletion",
            [(HOME, "cmk-disable-or-deletion", "{($.eventSource = kms.amazonaws.com) && ($.eventName=DisableKey) }")],
            "ok", ("FAIL", "FAIL")),
    "4.8": ("split filter set: two filters on one metric, 5 + 4 of the 9 events",
            [(HOME, "s3-bucket-policy-changes-a", ors(S3_EVENTS[:5], "s3.amazonaws.com")),
             (HOME, "s3-bucket-policy-changes-b", ors(S3_EVENTS[5:], "s3.amazonaws.com"))],
            "ok", ("PASS", "FAIL")),
    "4.9": ("textbook", [(HOME, "aws-config-changes", CIS["4.9"])], "ok", ("PASS", "PASS")),
    "4.10": ("wildcard filter { $.eventName = *SecurityGroup* } (covers the 6 events and more)",
             [(HOME, "security-group-changes", "{ $.eventName = *SecurityGroup* }")], "ok", ("PASS", "FAIL")),
    "4.11": ("the 6 events joined by && instead of || (matches no event)",
             [(HOME, "nacl-changes", CIS["4.11"].replace("||", "&&"))], "ok", ("FAIL", "PASS")),
    "4.12": ("CIS pattern AND-ed with a narrowing clause on userIdentity.arn",
             [(HOME, "network-gw-changes",
               "{ (" + CIS["4.12"][2:-2] + ') && ($.userIdentity.arn = "arn:aws:iam::111111111111:role/none") }')],
             "ok", ("FAIL", "PASS")),
    "4.13": ("CIS remediation pattern (no eventSource term)",
             [(HOME, "route-table-changes", CIS["4.13"])], "ok", ("PASS", "FAIL")),
    "4.14": (f"textbook filter + alarm → SNS, but on a log group named {GROUP} in {OTHER}, not the trail's",
             [(OTHER, "vpc-changes", CIS["4.14"])], "ok", ("FAIL", "PASS")),
    "4.15": ("CIS v3.0.0 pattern with its 18 event names",
             [(HOME, "organizations-changes", CIS["4.15"])], "ok", ("PASS", "FAIL")),
}


def main():
    endpoint = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else None

    def client(service, region=HOME):
        return boto3.client(service, region_name=region, endpoint_url=endpoint)

    bucket = f"tw-bench-trail-{ACCOUNT}"
    client("s3").create_bucket(Bucket=bucket)
    topics = {}
    for region in (HOME, OTHER):
        client("logs", region).create_log_group(logGroupName=GROUP)
        sns = client("sns", region)
        arn = sns.create_topic(Name="cis-alarms")["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="secops@example.com")
        topics[region] = arn

    ct = client("cloudtrail")
    ct.create_trail(
        Name="main",
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{HOME}:{ACCOUNT}:log-group:{GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs",
    )
    ct.put_event_selectors(
        TrailName="main",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    ct.start_logging(Name="main")

    for control, (case, filters, alarm, _expected) in CASES.items():
        metric = "cis-" + control.replace(".", "-")
        for region, name, pattern in filters:
            client("logs", region).put_metric_filter(
                logGroupName=GROUP,
                filterName=name,
                filterPattern=pattern,
                metricTransformations=[{"metricName": metric, "metricNamespace": NS, "metricValue": "1"}],
            )
        region = filters[0][0]
        kwargs = dict(
            AlarmName=metric + "-alarm",
            MetricName=metric,
            Namespace="LogMetrics" if alarm == "wrong-namespace" else NS,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            ActionsEnabled=True,
        )
        if alarm != "no-actions":
            kwargs["AlarmActions"] = [topics[region]]
        client("cloudwatch", region).put_metric_alarm(**kwargs)

    # 4.16: Security Hub on with the default standards at home, on without standards in OTHER, off elsewhere.
    client("securityhub", HOME).enable_security_hub(EnableDefaultStandards=True)
    client("securityhub", OTHER).enable_security_hub(EnableDefaultStandards=False)

    scenario = {
        "account": ACCOUNT,
        "controls": {c: {"case": v[0], "expected": {"trailwarden": v[3][0], "prowler": v[3][1]}} for c, v in CASES.items()},
        "4.16": {
            HOME: {"case": "enabled with default standards", "expected": {"trailwarden": "PASS", "prowler": "PASS"}},
            OTHER: {"case": "enabled, no standard or integration", "expected": {"trailwarden": "PASS", "prowler": "FAIL"}},
            "others": {"case": "not enabled", "expected": {"trailwarden": "FAIL", "prowler": "FAIL"}},
        },
    }
    text = json.dumps(scenario, indent=2)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
