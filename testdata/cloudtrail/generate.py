#!/usr/bin/env python3
"""Writes the synthetic CloudTrail records of testdata/cloudtrail/ and examples/logs/.

Every record here is made up by us (trailwarden authors) in CloudTrail's documented shape; account
ids are the documentation placeholders (111122223333, 444455556666), IPs are from TEST-NET ranges.
The examples/logs/ folder also holds a few Stratus Red Team detonation records (Apache-2.0, see
examples/logs/NOTICE), gzipped unchanged into the S3 key layout. Output is deterministic (gzip
mtime 0); run from the repository root: python3 testdata/cloudtrail/generate.py
"""
import copy
import gzip
import json
import os

ACCT = "111122223333"
OUT = "testdata/cloudtrail"
EX = "examples/logs"

ALICE = {"type": "IAMUser", "principalId": "AIDACKCEVSQ6C2EXAMPLE", "arn": f"arn:aws:iam::{ACCT}:user/alice",
         "accountId": ACCT, "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"}
DEPLOYER = {"type": "AssumedRole", "principalId": "AROAEXAMPLEDEPLOYER:ci",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/Deployer/ci", "accountId": ACCT, "accessKeyId": "ASIAEXAMPLEDEPLOY",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEDEPLOYER",
                                                 "arn": f"arn:aws:iam::{ACCT}:role/Deployer", "accountId": ACCT,
                                                 "userName": "Deployer"},
                               "attributes": {"creationDate": "2024-08-01T12:00:00Z", "mfaAuthenticated": "false"}}}
SSO = {"type": "AssumedRole", "principalId": "AROAEXAMPLESSO:jane@example.com",
       "arn": f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane@example.com",
       "accountId": ACCT, "accessKeyId": "ASIAEXAMPLESSO",
       "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLESSO",
                                            "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
                                            "accountId": ACCT, "userName": "AWSReservedSSO_AdministratorAccess_0123456789abcdef"}}}
ROOT = {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT, "accessKeyId": ""}

n = 0


def rec(name, source, who, params, minute, response=None, **extra):
    global n
    n += 1
    r = {
        "eventVersion": "1.09", "userIdentity": who, "eventTime": f"2024-08-01T12:{minute:02d}:00Z",
        "eventSource": source, "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.42",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
        "requestParameters": params, "responseElements": response,
        "requestID": f"00000000-0000-4000-8000-{n:012d}", "eventID": f"10000000-0000-4000-8000-{n:012d}",
        "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCT,
        "eventCategory": "Management",
    }
    r.update(extra)
    return r


sg_open = rec("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", ALICE,
              {"groupId": "sg-0abc", "ipPermissions": {"items": [
                  {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
                   "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}, "ipv6Ranges": {}, "prefixListIds": {}}]}},
              1, {"requestId": "x", "_return": True})
igw_detach = rec("DetachInternetGateway", "ec2.amazonaws.com", DEPLOYER, {"internetGatewayId": "igw-1", "vpcId": "vpc-2"}, 2)
route_igw = rec("CreateRoute", "ec2.amazonaws.com", DEPLOYER,
                {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}, 3)
stop_logging = rec("StopLogging", "cloudtrail.amazonaws.com", SSO, {"name": f"arn:aws:cloudtrail:us-east-1:{ACCT}:trail/main"}, 4)
key_deletion = rec("ScheduleKeyDeletion", "kms.amazonaws.com", ALICE,
                   {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "pendingWindowInDays": 7}, 5)
root_login = rec("ConsoleLogin", "signin.amazonaws.com", dict(ROOT, userName="root"), None, 6,
                 {"ConsoleLogin": "Success"}, eventType="AwsConsoleSignIn",
                 additionalEventData={"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"},
                 userAgent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
bucket_policy = rec("PutBucketPolicy", "s3.amazonaws.com", ALICE,
                    {"bucketName": "example-reports", "Host": "example-reports.s3.us-east-1.amazonaws.com", "policy": "",
                     "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-reports/*"}]}}, 7)
config_stop = rec("StopConfigurationRecorder", "config.amazonaws.com", DEPLOYER, {"configurationRecorderName": "default"}, 8)
denied = rec("DescribeInstances", "ec2.amazonaws.com", ALICE, {"instancesSet": {}, "filterSet": {}}, 9,
             errorCode="Client.UnauthorizedOperation", errorMessage="You are not authorized to perform this operation.")
quiet = rec("DescribeInstances", "ec2.amazonaws.com", ALICE, {"instancesSet": {}, "filterSet": {}}, 10, readOnly=True)
ssh_key = rec("SendSSHPublicKey", "ec2-instance-connect.amazonaws.com", ALICE,
              {"instanceId": "i-0123456789abcdef0", "instanceOSUser": "ec2-user", "sSHPublicKey": "ssh-ed25519 AAAA..."}, 11)

changes = [sg_open, igw_detach, route_igw, stop_logging, key_deletion, root_login, bucket_policy, config_stop, denied, quiet, ssh_key]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def gz(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return gzip.compress(raw, mtime=0)


# testdata/cloudtrail/: the records as NDJSON (with one duplicate delivery of the first), as an S3
# object, and in the other accepted envelopes.
write(f"{OUT}/synthetic/changes.ndjson", "".join(json.dumps(r) + "\n" for r in changes + [sg_open]))
write(f"{OUT}/synthetic/changes.json.gz", gz({"Records": changes}))
bridge = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "AWS API Call via CloudTrail",
          "source": "aws.cloudtrail", "account": ACCT, "time": stop_logging["eventTime"], "region": "us-east-1",
          "resources": [], "detail": stop_logging}
write(f"{OUT}/envelopes/eventbridge.json", json.dumps(bridge, indent=2) + "\n")
cwl = {"messageType": "DATA_MESSAGE", "owner": ACCT, "logGroup": "aws-cloudtrail-logs", "logStream": f"{ACCT}_CloudTrail_us-east-1",
       "subscriptionFilters": ["trailwarden"],
       "logEvents": [{"id": str(i), "timestamp": 1722513600000 + i, "message": json.dumps(r, separators=(",", ":"))}
                     for i, r in enumerate([sg_open, key_deletion])]}
write(f"{OUT}/envelopes/cwl-subscription.json.gz", gz(cwl))
write(f"{OUT}/envelopes/cwl-control.json.gz", gz({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
                                                  "logStream": "", "subscriptionFilters": [], "logEvents": [
                                                      {"id": "", "timestamp": 1722513600000, "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}))

# Malformed input, one problem each.
def copy_with_id(r, i):
    c = copy.deepcopy(r)
    c["eventID"] = f"{r['eventID']}-copy{i}"  # distinct ids: duplicates would be deduplicated
    return c


good = gz({"Records": [copy_with_id(r, i) for i in range(20) for r in changes]})
write(f"{OUT}/malformed/truncated.json.gz", good[: len(good) * 2 // 3])
write(f"{OUT}/malformed/invalid.json", '{"Records": [' + json.dumps(igw_detach) + ', {"eventName": "CreateVpc", oops}]}\n')
write(f"{OUT}/malformed/not-cloudtrail.json", json.dumps({"users": [{"name": "alice"}], "count": 1}) + "\n")
write(f"{OUT}/malformed/mixed.ndjson", json.dumps(route_igw) + "\n" + "{\"eventName\": \"Create\n" + json.dumps(config_stop) + "\n")
digest = {"awsAccountId": ACCT, "digestStartTime": "2024-08-01T11:00:00Z", "digestEndTime": "2024-08-01T12:00:00Z",
          "digestS3Bucket": "example-trail-bucket", "digestS3Object": "AWSLogs/...", "newestEventTime": "2024-08-01T11:59:00Z",
          "oldestEventTime": "2024-08-01T11:00:00Z", "previousDigestS3Bucket": None, "previousDigestS3Object": None,
          "previousDigestHashValue": None, "previousDigestHashAlgorithm": None, "previousDigestSignature": None,
          "digestPublicKeyFingerprint": "00000000000000000000000000000000", "digestSignatureAlgorithm": "SHA256withRSA", "logFiles": []}
write(f"{OUT}/malformed/digest-named-explicitly.json", json.dumps(digest) + "\n")

# examples/logs/: the S3 key layout of a trail bucket.
def key(acct, region, stamp, suffix):
    d = stamp[:8]
    return f"{EX}/AWSLogs/{acct}/CloudTrail/{region}/{d[:4]}/{d[4:6]}/{d[6:]}/{acct}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"


write(key(ACCT, "us-east-1", "20240801T1205Z", "synth00000000001"), gz({"Records": changes[:5]}))
write(key(ACCT, "us-east-1", "20240801T1210Z", "synth00000000002"), gz({"Records": changes[5:]}))
write(f"{EX}/AWSLogs/{ACCT}/CloudTrail-Digest/us-east-1/2024/08/01/{ACCT}_CloudTrail-Digest_us-east-1_main_us-east-1_20240801T120000Z.json.gz", gz(digest))
stratus = "testdata/cloudtrail-samples/stratus-red-team"
for i, name in enumerate(["aws.exfiltration.ec2-security-group-open-port-22-ingress", "aws.defense-evasion.cloudtrail-stop",
                          "aws.initial-access.console-login-without-mfa", "aws.persistence.iam-create-admin-user",
                          "aws.defense-evasion.organizations-leave"]):
    with open(f"{stratus}/{name}.json") as f:
        obj = json.load(f)
    first = obj["Records"][0]
    acct = first["recipientAccountId"]
    region = first["awsRegion"]
    t = first["eventTime"].replace("-", "").replace(":", "")[:13] + "Z"
    write(key(acct, region, t, f"stratus{i:09d}"), gz(obj))
