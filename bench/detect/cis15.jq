# The 15 CIS AWS Foundations v3.0.0 metric-filter patterns (4.1-4.15) in jq, for bench/detect.sh.
# Usage: jq -r -f bench/detect/cis15.jq records.ndjson   → "<control>\t<eventID>" per match.
#
# Same semantics as cis15.py (CloudWatch's, as far as CloudTrail records need them): a missing
# field, null, object or array never compares (`!=` included); `*` is a prefix/suffix wildcard
# only; `NOT EXISTS` means the selector does not resolve; `&&` binds tighter than `||`.

# The text a comparison sees, or null when it never compares.
def t(f): (try f catch null) | if type == "string" then . elif type == "boolean" or type == "number" then tojson else null end;
def eq(f; v): t(f) as $x | $x != null and $x == v;
def ne(f; v): t(f) as $x | $x != null and $x != v;
def suffix(f; v): t(f) as $x | $x != null and ($x | endswith(v));
def prefix(f; v): t(f) as $x | $x != null and ($x | startswith(v));
def name_in(names): t(.eventName) as $x | $x != null and any(names[]; . == $x);

. as $r | $r.eventID as $id |
  (if suffix(.errorCode; "UnauthorizedOperation")
      or (prefix(.errorCode; "AccessDenied") and ne(.sourceIPAddress; "delivery.logs.amazonaws.com") and ne(.eventName; "HeadBucket"))
   then "4.1" else empty end),
  (if eq(.eventName; "ConsoleLogin") and ne(.additionalEventData.MFAUsed; "Yes") then "4.2" else empty end),
  (if eq(.userIdentity.type; "Root")
      and ((try (.userIdentity | type == "object" and has("invokedBy")) catch false) | not)
      and ne(.eventType; "AwsServiceEvent")
   then "4.3" else empty end),
  (if name_in(["DeleteGroupPolicy","DeleteRolePolicy","DeleteUserPolicy","PutGroupPolicy","PutRolePolicy","PutUserPolicy","CreatePolicy","DeletePolicy","CreatePolicyVersion","DeletePolicyVersion","AttachRolePolicy","DetachRolePolicy","AttachUserPolicy","DetachUserPolicy","AttachGroupPolicy","DetachGroupPolicy"]) then "4.4" else empty end),
  (if name_in(["CreateTrail","UpdateTrail","DeleteTrail","StartLogging","StopLogging"]) then "4.5" else empty end),
  (if eq(.eventName; "ConsoleLogin") and eq(.errorMessage; "Failed authentication") then "4.6" else empty end),
  (if eq(.eventSource; "kms.amazonaws.com") and name_in(["DisableKey","ScheduleKeyDeletion"]) then "4.7" else empty end),
  (if eq(.eventSource; "s3.amazonaws.com") and name_in(["PutBucketAcl","PutBucketPolicy","PutBucketCors","PutBucketLifecycle","PutBucketReplication","DeleteBucketPolicy","DeleteBucketCors","DeleteBucketLifecycle","DeleteBucketReplication"]) then "4.8" else empty end),
  (if eq(.eventSource; "config.amazonaws.com") and name_in(["StopConfigurationRecorder","DeleteDeliveryChannel","PutDeliveryChannel","PutConfigurationRecorder"]) then "4.9" else empty end),
  (if name_in(["AuthorizeSecurityGroupIngress","AuthorizeSecurityGroupEgress","RevokeSecurityGroupIngress","RevokeSecurityGroupEgress","CreateSecurityGroup","DeleteSecurityGroup"]) then "4.10" else empty end),
  (if name_in(["CreateNetworkAcl","CreateNetworkAclEntry","DeleteNetworkAcl","DeleteNetworkAclEntry","ReplaceNetworkAclEntry","ReplaceNetworkAclAssociation"]) then "4.11" else empty end),
  (if name_in(["CreateCustomerGateway","DeleteCustomerGateway","AttachInternetGateway","CreateInternetGateway","DeleteInternetGateway","DetachInternetGateway"]) then "4.12" else empty end),
  (if name_in(["CreateRoute","CreateRouteTable","ReplaceRoute","ReplaceRouteTableAssociation","DeleteRouteTable","DeleteRoute","DisassociateRouteTable"]) then "4.13" else empty end),
  (if name_in(["CreateVpc","DeleteVpc","ModifyVpcAttribute","AcceptVpcPeeringConnection","CreateVpcPeeringConnection","DeleteVpcPeeringConnection","RejectVpcPeeringConnection","AttachClassicLinkVpc","DetachClassicLinkVpc","DisableVpcClassicLink","EnableVpcClassicLink"]) then "4.14" else empty end),
  (if eq(.eventSource; "organizations.amazonaws.com") and name_in(["AcceptHandshake","AttachPolicy","CreateAccount","CreateOrganizationalUnit","CreatePolicy","DeclineHandshake","DeleteOrganization","DeleteOrganizationalUnit","DeletePolicy","DetachPolicy","DisablePolicyType","EnablePolicyType","InviteAccountToOrganization","LeaveOrganization","MoveAccount","RemoveAccountFromOrganization","UpdatePolicy","UpdateOrganizationalUnit"]) then "4.15" else empty end)
  | "\(.)\t\($id)"
