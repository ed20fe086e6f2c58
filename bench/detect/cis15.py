#!/usr/bin/env python3
"""The 15 CIS AWS Foundations v3.0.0 metric-filter patterns (4.1-4.15) as a plain `json` loop.

Baseline for bench/detect.sh: reads NDJSON CloudTrail records (files or stdin) and prints one
line `<control>\t<eventID>` per (record, matching control), like `trailwarden detect` does per alert.

Semantics follow CloudWatch Logs (shared/reference/filter-pattern-spec.md section 5), as far as
CloudTrail records need them:
- a selector resolves only through objects; a missing field, `null`, an object or an array makes
  every comparison false, `!=` included (so `MFAUsed != "Yes"` needs the field to be present);
- strings compare exactly; a leading or trailing `*` is a suffix/prefix wildcard; booleans and
  numbers compare as their JSON text;
- `NOT EXISTS` is true only when the selector does not resolve;
- `&&` binds tighter than `||` (4.1 is `A || (B && C && D)`, as trailwarden and CloudWatch read it);
- 4.2 is the plain form (not the SSO variant), 4.13 the remediation form (no eventSource term).
"""
import json
import sys

MISSING = object()


def get(rec, *path):
    """The value at `path`, or MISSING when the selector does not resolve."""
    v = rec
    for k in path:
        if not isinstance(v, dict) or k not in v:
            return MISSING
        v = v[k]
    return v


def text(v):
    """The text a comparison sees, or None (missing, null, object, array: never compares)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return None


def like(t, pat):
    if pat.startswith("*") and len(pat) > 1:
        return t.endswith(pat[1:])
    if pat.endswith("*") and len(pat) > 1:
        return t.startswith(pat[:-1])
    return t == pat


def eq(rec, pat, *path):
    t = text(get(rec, *path))
    return t is not None and like(t, pat)


def ne(rec, pat, *path):
    t = text(get(rec, *path))
    return t is not None and not like(t, pat)


def name_in(rec, names):
    t = text(get(rec, "eventName"))
    return t is not None and t in names


IAM = {"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
       "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
       "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
       "DetachGroupPolicy"}
TRAIL = {"CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"}
CMK = {"DisableKey", "ScheduleKeyDeletion"}
S3 = {"PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
      "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"}
CONFIG = {"StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"}
SG = {"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"}
NACL = {"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"}
GW = {"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
      "DeleteInternetGateway", "DetachInternetGateway"}
ROUTE = {"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
         "DeleteRoute", "DisassociateRouteTable"}
VPC = {"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
       "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
       "DisableVpcClassicLink", "EnableVpcClassicLink"}
ORGS = {"AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
        "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
        "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
        "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"}

CONTROLS = [
    ("4.1", lambda r: eq(r, "*UnauthorizedOperation", "errorCode")
        or (eq(r, "AccessDenied*", "errorCode") and ne(r, "delivery.logs.amazonaws.com", "sourceIPAddress")
            and ne(r, "HeadBucket", "eventName"))),
    ("4.2", lambda r: eq(r, "ConsoleLogin", "eventName") and ne(r, "Yes", "additionalEventData", "MFAUsed")),
    ("4.3", lambda r: eq(r, "Root", "userIdentity", "type") and get(r, "userIdentity", "invokedBy") is MISSING
        and ne(r, "AwsServiceEvent", "eventType")),
    ("4.4", lambda r: name_in(r, IAM)),
    ("4.5", lambda r: name_in(r, TRAIL)),
    ("4.6", lambda r: eq(r, "ConsoleLogin", "eventName") and eq(r, "Failed authentication", "errorMessage")),
    ("4.7", lambda r: eq(r, "kms.amazonaws.com", "eventSource") and name_in(r, CMK)),
    ("4.8", lambda r: eq(r, "s3.amazonaws.com", "eventSource") and name_in(r, S3)),
    ("4.9", lambda r: eq(r, "config.amazonaws.com", "eventSource") and name_in(r, CONFIG)),
    ("4.10", lambda r: name_in(r, SG)),
    ("4.11", lambda r: name_in(r, NACL)),
    ("4.12", lambda r: name_in(r, GW)),
    ("4.13", lambda r: name_in(r, ROUTE)),
    ("4.14", lambda r: name_in(r, VPC)),
    ("4.15", lambda r: eq(r, "organizations.amazonaws.com", "eventSource") and name_in(r, ORGS)),
]


def scan(f, out):
    for line in f:
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # CloudWatch would not match a non-JSON message either
        if not isinstance(rec, dict):
            continue
        for cid, test in CONTROLS:
            if test(rec):
                out.write(f"{cid}\t{rec.get('eventID')}\n")


def main():
    out = sys.stdout
    paths = sys.argv[1:] or ["-"]
    for p in paths:
        if p == "-":
            scan(sys.stdin, out)
        else:
            with open(p, encoding="utf-8") as f:
                scan(f, out)


if __name__ == "__main__":
    main()
