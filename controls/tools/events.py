"""Builders for the realistic one-line CloudTrail records used as control examples.

The records follow the shape of real CloudTrail management events (field order, userIdentity
blocks, requestParameters/responseElements) as seen in the samples under
shared/data/cloudtrail-samples/, with AWS's documentation placeholders (account 111122223333,
192.0.2.x / 203.0.113.x addresses, AKIAIOSFODNN7EXAMPLE keys). They are written by us, not copied.
"""

import json
import uuid

ACCOUNT = "111122223333"
_counter = [0]


def _ids(seed):
    _counter[0] += 1
    n = _counter[0]
    ev = str(uuid.uuid5(uuid.NAMESPACE_URL, f"trailwarden/{seed}/{n}"))
    req = str(uuid.uuid5(uuid.NAMESPACE_URL, f"trailwarden/req/{seed}/{n}"))
    minute = n % 60
    hour = 8 + (n // 60) % 12
    return ev, req, f"2026-03-{1 + n % 28:02d}T{hour:02d}:{minute:02d}:{(n * 7) % 60:02d}Z"


def identity(kind="IAMUser", invoked_by=None):
    if kind == "IAMUser":
        ident = {
            "type": "IAMUser",
            "principalId": "AIDACKCEVSQ6C2EXAMPLE",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/anaya",
            "accountId": ACCOUNT,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": "anaya",
        }
    elif kind == "AssumedRole":
        ident = {
            "type": "AssumedRole",
            "principalId": "AROAJ2UCCR6DPCEXAMPLE:jdoe@example.com",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_5a6b7c8d9e0f1a2b/jdoe@example.com",
            "accountId": ACCOUNT,
            "accessKeyId": "ASIAZ4FXWEXAMPLE7KQ",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAJ2UCCR6DPCEXAMPLE",
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_5a6b7c8d9e0f1a2b",
                    "accountId": ACCOUNT,
                    "userName": "AWSReservedSSO_AdministratorAccess_5a6b7c8d9e0f1a2b",
                },
                "attributes": {"creationDate": "2026-03-02T08:00:01Z", "mfaAuthenticated": "false"},
            },
        }
    elif kind == "Root":
        ident = {
            "type": "Root",
            "principalId": ACCOUNT,
            "arn": f"arn:aws:iam::{ACCOUNT}:root",
            "accountId": ACCOUNT,
            "accessKeyId": "ASIAQNZGKIQEXAMPLE2R",
        }
    elif kind == "AWSService":
        ident = {"type": "AWSService", "invokedBy": invoked_by or "delivery.logs.amazonaws.com"}
    else:
        raise ValueError(kind)
    if invoked_by and kind != "AWSService":
        ident["invokedBy"] = invoked_by
    return ident


def api(event_name, source, *, who="IAMUser", invoked_by=None, region="us-east-1", ip="203.0.113.42",
        agent="aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/x",
        request=None, response=None, error=None, event_type="AwsApiCall", read_only=False, extra=None):
    """An API-call record. `error` is (errorCode, errorMessage)."""
    ev_id, req_id, when = _ids(event_name)
    rec = {
        "eventVersion": "1.09",
        "userIdentity": identity(who, invoked_by),
        "eventTime": when,
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error:
        rec["errorCode"], rec["errorMessage"] = error
    rec["requestParameters"] = request
    rec["responseElements"] = None if error else response
    rec["requestID"] = req_id
    rec["eventID"] = ev_id
    rec["readOnly"] = read_only
    rec["eventType"] = event_type
    rec["managementEvent"] = True
    rec["recipientAccountId"] = ACCOUNT
    rec["eventCategory"] = "Management"
    if extra:
        rec.update(extra)
    return rec


def console_login(*, who="IAMUser", mfa="No", success=True, error_message=None, include_mfa=True,
                  region="us-east-1"):
    ev_id, _req, when = _ids("ConsoleLogin")
    aed = {"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
           "MobileVersion": "No"}
    if include_mfa:
        aed["MFAUsed"] = mfa
    rec = {
        "eventVersion": "1.08",
        "userIdentity": identity(who),
        "eventTime": when,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.110",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    }
    if who != "AssumedRole":
        rec["userIdentity"].pop("accessKeyId", None)
        rec["userIdentity"]["accessKeyId"] = ""
    if not success:
        rec["errorMessage"] = error_message or "Failed authentication"
    rec["requestParameters"] = None
    rec["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
    rec["additionalEventData"] = aed
    rec["eventID"] = ev_id
    rec["readOnly"] = False
    rec["eventType"] = "AwsConsoleSignIn"
    rec["managementEvent"] = True
    rec["recipientAccountId"] = ACCOUNT
    rec["eventCategory"] = "Management"
    return rec


def one_line(rec):
    text = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    assert "'''" not in text and "\n" not in text
    return text
