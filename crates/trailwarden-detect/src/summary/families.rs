//! The table of event families. One row per family: the event names it covers, the event source
//! it is limited to (when a name exists in several services), and the function that reads it.

use serde_json::{Map, Value};

use super::Described;
use crate::alert::Severity::{self, Critical, High, Low, Medium};
use crate::record::{lookup, scalar_text, Record};

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

// ---------------------------------------------------------------------------------------------
// Helpers

fn req(r: &Record) -> Option<&Map<String, Value>> {
    r.request()
}

/// A request parameter at a path, as text.
fn p(r: &Record, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    lookup(req(r)?.get(*first)?, rest)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

/// A response element at a path, as text.
fn resp(r: &Record, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    lookup(r.response()?.get(*first)?, rest)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

fn or_q(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("?")
}

/// `items` of a CloudTrail EC2 list (`{"items":[...]}`), or an array as is.
fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        Some(Value::Object(m)) => m
            .get("items")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => &[],
    }
}

/// A `/0` prefix is every address, whatever the address bits say (`208.236.235.254/0` is as open as
/// `0.0.0.0/0`; anonymised samples and careless hands write such ranges).
fn is_open_cidr(c: &str) -> bool {
    c.trim().ends_with("/0")
}

/// `tcp/22`, `tcp/1000-2000`, `all traffic`, `icmp`.
fn ports(proto: Option<String>, from: Option<String>, to: Option<String>) -> String {
    let proto = match proto.as_deref() {
        None | Some("-1") | Some("all") => return "all traffic".into(),
        Some("6") => "tcp".to_string(),
        Some("17") => "udp".to_string(),
        Some("1") => "icmp".to_string(),
        Some(p) => p.to_ascii_lowercase(),
    };
    match (from, to) {
        (Some(f), Some(t)) if f == "-1" || (f == "0" && t == "65535") => format!("{proto}/all"),
        (Some(f), Some(t)) if f == t => format!("{proto}/{f}"),
        (Some(f), Some(t)) => format!("{proto}/{f}-{t}"),
        (Some(f), None) => format!("{proto}/{f}"),
        _ => proto,
    }
}

fn is_admin_port(perm: &str) -> bool {
    perm == "all traffic" || perm.ends_with("/all") || ["tcp/22", "tcp/3389"].contains(&perm)
}

/// The last segment of an ARN-or-name (`arn:aws:cloudtrail:…:trail/main` → `main`).
fn short(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

/// The `Allow` statements of a policy document given as an object or as JSON text.
fn allow_statements(doc: &Value) -> Vec<Map<String, Value>> {
    let parsed;
    let doc = match doc {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => return Vec::new(),
        },
        other => other,
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(Value::as_object)
        .filter(|st| st.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .cloned()
        .collect()
}

/// `"*"` or a list containing `"*"`.
fn has_star(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => s == "*",
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some("*")),
        _ => false,
    }
}

/// A principal of `"*"` or `{"AWS": "*"}` (or a list holding `"*"`).
fn is_everyone(p: Option<&Value>) -> bool {
    match p {
        Some(Value::Object(m)) => has_star(m.get("AWS")),
        other => has_star(other),
    }
}

fn raised(cond: bool, yes: Severity, no: Severity) -> Severity {
    if cond {
        yes
    } else {
        no
    }
}

// ---------------------------------------------------------------------------------------------
// Families

fn console_login(r: &Record, _: &str) -> Described {
    let root = r.path_str(&["userIdentity", "type"]) == Some("Root");
    let outcome = resp(r, &["ConsoleLogin"]);
    let failed = outcome.as_deref() == Some("Failure")
        || r.error_message().is_some()
        || r.error_code().is_some();
    let mut d = if failed {
        let why = r.error_message().or(r.error_code()).unwrap_or("failure");
        Described::new(
            format!("failed to sign in to the console ({why})"),
            raised(root, High, Medium),
        )
    } else {
        let mfa = lookup(&r.value, &["additionalEventData", "MFAUsed"]).and_then(Value::as_str);
        let federated = r.path_str(&["userIdentity", "type"]) == Some("AssumedRole")
            || lookup(&r.value, &["additionalEventData", "SamlProviderArn"]).is_some();
        match mfa {
            Some("Yes") => {
                Described::new("signed in to the console with MFA", raised(root, High, Low))
            }
            _ if federated => Described::new(
                "signed in to the console through federation (MFA is up to the identity provider)",
                Low,
            ),
            None => Described::new(
                "signed in to the console (MFA not recorded)",
                raised(root, Critical, Medium),
            ),
            Some(_) => Described::new(
                "signed in to the console without MFA",
                raised(root, Critical, High),
            ),
        }
    };
    d.tells_outcome = true;
    d
}

/// The rules of an Authorize/Revoke call, as `tcp/22 from 0.0.0.0/0` strings, and whether any
/// opens to the whole internet on an admin port / any port.
fn sg_permissions(r: &Record) -> (Vec<String>, bool, bool) {
    // "opened tcp/22 to 0.0.0.0/0": the peer reads naturally after "to" in both directions.
    let dir = "to";
    let mut perms = Vec::new();
    let (mut open, mut open_admin) = (false, false);
    let mut add = |perm: String, peer: String| {
        if is_open_cidr(&peer) {
            open = true;
            open_admin |= is_admin_port(&perm);
        }
        perms.push(format!("{perm} {dir} {peer}"));
    };
    let rq = req(r);
    for item in items(rq.and_then(|m| m.get("ipPermissions"))) {
        let t = |k: &str| item.get(k).and_then(scalar_text);
        let perm = ports(t("ipProtocol"), t("fromPort"), t("toPort"));
        let mut peers: Vec<String> = Vec::new();
        for (list, key) in [
            ("ipRanges", "cidrIp"),
            ("ipv6Ranges", "cidrIpv6"),
            ("groups", "groupId"),
            ("prefixListIds", "prefixListId"),
        ] {
            peers.extend(
                items(item.get(list))
                    .iter()
                    .filter_map(|x| x.get(key).and_then(scalar_text)),
            );
        }
        if peers.is_empty() {
            peers.push("?".into());
        }
        for peer in peers {
            add(perm.clone(), peer);
        }
    }
    // The flat form (`cidrIp`, `ipProtocol`, `fromPort` directly in the request).
    if let Some(cidr) = p(r, &["cidrIp"]) {
        add(
            ports(
                p(r, &["ipProtocol"]),
                p(r, &["fromPort"]),
                p(r, &["toPort"]),
            ),
            cidr,
        );
    }
    for id in items(rq.and_then(|m| m.get("securityGroupRuleIds"))) {
        if let Some(id) = id.get("securityGroupRuleId").and_then(scalar_text) {
            perms.push(format!("rule {id}"));
        }
    }
    (perms, open, open_admin)
}

fn sg_rules(r: &Record, name: &str) -> Described {
    let ingress = name.ends_with("Ingress");
    let authorize = name.starts_with("Authorize");
    let group = p(r, &["groupId"]).or_else(|| p(r, &["groupName"]));
    let (perms, open, open_admin) = sg_permissions(r);
    let what = if perms.is_empty() {
        "rules".to_string()
    } else {
        perms.join(", ")
    };
    let verb = match (authorize, ingress) {
        (true, true) => "opened",
        (true, false) => "opened egress",
        (false, true) => "closed",
        (false, false) => "closed egress",
    };
    let severity = match (authorize && ingress, open, open_admin) {
        (true, _, true) => Critical,
        (true, true, _) => High,
        _ if authorize => Medium,
        _ => Low,
    };
    let mut d = Described::new(format!("{verb} {what} on {}", or_q(&group)), severity)
        .with("security-group", group);
    for perm in perms {
        d = d.with("permission", Some(perm));
    }
    d
}

fn security_group(r: &Record, name: &str) -> Described {
    let id = p(r, &["groupId"]).or_else(|| resp(r, &["groupId"]));
    let gname = p(r, &["groupName"]);
    let label = match (&gname, &id) {
        (Some(n), Some(i)) => format!("{n} ({i})"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => "?".into(),
    };
    let d = match name {
        "CreateSecurityGroup" => {
            let vpc = p(r, &["vpcId"]);
            let in_vpc = vpc.as_ref().map(|v| format!(" in {v}")).unwrap_or_default();
            Described::new(format!("created security group {label}{in_vpc}"), Low).with("vpc", vpc)
        }
        "DeleteSecurityGroup" => Described::new(format!("deleted security group {label}"), Medium),
        _ => Described::new(format!("modified rules of security group {label}"), Medium),
    };
    d.with("security-group", id.or(gname))
}

fn nacl(r: &Record, name: &str) -> Described {
    let acl = p(r, &["networkAclId"]).or_else(|| resp(r, &["networkAcl", "networkAclId"]));
    match name {
        "CreateNetworkAcl" => {
            let vpc = p(r, &["vpcId"]);
            Described::new(
                format!("created network ACL {} in {}", or_q(&acl), or_q(&vpc)),
                Low,
            )
            .with("network-acl", acl)
            .with("vpc", vpc)
        }
        "DeleteNetworkAcl" => Described::new(format!("deleted network ACL {}", or_q(&acl)), Medium)
            .with("network-acl", acl),
        "ReplaceNetworkAclAssociation" => {
            let assoc = p(r, &["associationId"]);
            Described::new(
                format!(
                    "associated network ACL {} (replacing {})",
                    or_q(&acl),
                    or_q(&assoc)
                ),
                Medium,
            )
            .with("network-acl", acl)
        }
        _ => {
            let egress = lookup(&r.value, &["requestParameters", "egress"])
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let dir = if egress { "egress" } else { "ingress" };
            let rule = or_q(&p(r, &["ruleNumber"])).to_string();
            if name == "DeleteNetworkAclEntry" {
                return Described::new(
                    format!("deleted {dir} rule #{rule} of network ACL {}", or_q(&acl)),
                    Medium,
                )
                .with("network-acl", acl);
            }
            let action = p(r, &["ruleAction"]).unwrap_or_else(|| "?".into());
            let cidr = p(r, &["cidrBlock"]).or_else(|| p(r, &["ipv6CidrBlock"]));
            let perm = ports(
                p(r, &["aclProtocol"]),
                p(r, &["portRange", "from"]),
                p(r, &["portRange", "to"]),
            );
            let open = !egress && action == "allow" && cidr.as_deref().is_some_and(is_open_cidr);
            let verb = if name == "CreateNetworkAclEntry" {
                "added"
            } else {
                "replaced"
            };
            let peer = if egress { "to" } else { "from" };
            Described::new(
                format!(
                    "{verb} {dir} rule #{rule} {action} {perm} {peer} {} on network ACL {}",
                    or_q(&cidr),
                    or_q(&acl)
                ),
                raised(open, High, Medium),
            )
            .with("network-acl", acl)
            .with("cidr", cidr)
        }
    }
}

fn gateway(r: &Record, name: &str) -> Described {
    if name.contains("CustomerGateway") {
        let id = p(r, &["customerGatewayId"])
            .or_else(|| resp(r, &["customerGateway", "customerGatewayId"]));
        return if name.starts_with("Create") {
            let ip = p(r, &["ipAddress"]);
            Described::new(
                format!("created customer gateway {} for {}", or_q(&id), or_q(&ip)),
                Medium,
            )
            .with("customer-gateway", id)
        } else {
            Described::new(format!("deleted customer gateway {}", or_q(&id)), Medium)
                .with("customer-gateway", id)
        };
    }
    let igw =
        p(r, &["internetGatewayId"]).or_else(|| resp(r, &["internetGateway", "internetGatewayId"]));
    let vpc = p(r, &["vpcId"]);
    let d = match name {
        "AttachInternetGateway" => Described::new(
            format!("attached internet gateway {} to {}", or_q(&igw), or_q(&vpc)),
            High,
        ),
        "DetachInternetGateway" => Described::new(
            format!(
                "detached internet gateway {} from {}",
                or_q(&igw),
                or_q(&vpc)
            ),
            Medium,
        ),
        "CreateInternetGateway" => {
            Described::new(format!("created internet gateway {}", or_q(&igw)), Medium)
        }
        _ => Described::new(format!("deleted internet gateway {}", or_q(&igw)), Medium),
    };
    d.with("internet-gateway", igw).with("vpc", vpc)
}

fn route(r: &Record, name: &str) -> Described {
    let table = p(r, &["routeTableId"]).or_else(|| resp(r, &["routeTable", "routeTableId"]));
    let assoc = p(r, &["associationId"]);
    match name {
        "CreateRoute" | "ReplaceRoute" | "DeleteRoute" => {
            let dest = p(r, &["destinationCidrBlock"])
                .or_else(|| p(r, &["destinationIpv6CidrBlock"]))
                .or_else(|| p(r, &["destinationPrefixListId"]));
            let target = [
                "gatewayId",
                "natGatewayId",
                "transitGatewayId",
                "vpcPeeringConnectionId",
                "networkInterfaceId",
                "instanceId",
                "egressOnlyInternetGatewayId",
                "vpcEndpointId",
            ]
            .iter()
            .find_map(|k| p(r, &[k]));
            let to_igw = target.as_deref().is_some_and(|t| t.starts_with("igw-"));
            let d = if name == "DeleteRoute" {
                Described::new(
                    format!(
                        "deleted route {} from route table {}",
                        or_q(&dest),
                        or_q(&table)
                    ),
                    Medium,
                )
            } else {
                let verb = if name == "CreateRoute" {
                    "added"
                } else {
                    "replaced"
                };
                Described::new(
                    format!(
                        "{verb} route {} → {} in route table {}",
                        or_q(&dest),
                        or_q(&target),
                        or_q(&table)
                    ),
                    raised(to_igw, High, Medium),
                )
            };
            d.with("route-table", table)
                .with("route-target", target)
                .with("cidr", dest)
        }
        "CreateRouteTable" => {
            let vpc = p(r, &["vpcId"]);
            Described::new(
                format!("created route table {} in {}", or_q(&table), or_q(&vpc)),
                Low,
            )
            .with("route-table", table)
            .with("vpc", vpc)
        }
        "DeleteRouteTable" => {
            Described::new(format!("deleted route table {}", or_q(&table)), Medium)
                .with("route-table", table)
        }
        "ReplaceRouteTableAssociation" => Described::new(
            format!(
                "associated route table {} (association {})",
                or_q(&table),
                or_q(&assoc)
            ),
            Medium,
        )
        .with("route-table", table),
        _ => Described::new(
            format!("disassociated route table association {}", or_q(&assoc)),
            Medium,
        )
        .with("route-table-association", assoc),
    }
}

fn vpc(r: &Record, name: &str) -> Described {
    let vpc = p(r, &["vpcId"]).or_else(|| resp(r, &["vpc", "vpcId"]));
    let pcx = p(r, &["vpcPeeringConnectionId"])
        .or_else(|| resp(r, &["vpcPeeringConnection", "vpcPeeringConnectionId"]));
    let d = match name {
        "CreateVpc" => Described::new(
            format!(
                "created VPC {} ({})",
                or_q(&vpc),
                or_q(&p(r, &["cidrBlock"]))
            ),
            Low,
        ),
        "DeleteVpc" => Described::new(format!("deleted VPC {}", or_q(&vpc)), Medium),
        "ModifyVpcAttribute" => {
            let attr = req(r)
                .and_then(|m| m.keys().find(|k| k.as_str() != "vpcId").cloned())
                .unwrap_or_else(|| "an attribute".into());
            Described::new(format!("changed {attr} of VPC {}", or_q(&vpc)), Medium)
        }
        "CreateVpcPeeringConnection" => {
            let peer = p(r, &["peerVpcId"]);
            let owner = p(r, &["peerOwnerId"]);
            let cross = owner.is_some() && owner.as_deref() != r.account();
            let other = owner
                .as_ref()
                .map(|o| format!(" in account {o}"))
                .unwrap_or_default();
            return Described::new(
                format!(
                    "requested peering of {} with {}{other}",
                    or_q(&vpc),
                    or_q(&peer)
                ),
                raised(cross, High, Medium),
            )
            .with("vpc", vpc)
            .with("vpc", peer);
        }
        "AcceptVpcPeeringConnection" => {
            Described::new(format!("accepted VPC peering {}", or_q(&pcx)), Medium)
        }
        "DeleteVpcPeeringConnection" => {
            Described::new(format!("deleted VPC peering {}", or_q(&pcx)), Medium)
        }
        "RejectVpcPeeringConnection" => {
            Described::new(format!("rejected VPC peering {}", or_q(&pcx)), Low)
        }
        other => Described::new(
            format!("{} for VPC {}", classic_link(other), or_q(&vpc)),
            Medium,
        ),
    };
    d.with("vpc", vpc).with("vpc-peering", pcx)
}

fn classic_link(name: &str) -> &'static str {
    match name {
        "AttachClassicLinkVpc" => "attached a ClassicLink instance",
        "DetachClassicLinkVpc" => "detached a ClassicLink instance",
        "DisableVpcClassicLink" => "disabled ClassicLink",
        _ => "enabled ClassicLink",
    }
}

fn trail(r: &Record, name: &str) -> Described {
    let trail = p(r, &["name"]).or_else(|| p(r, &["trailName"]));
    let t = trail.as_deref().map(short).unwrap_or("?");
    let d = match name {
        "StopLogging" => Described::new(format!("stopped logging on trail {t}"), Critical),
        "DeleteTrail" => Described::new(format!("deleted trail {t}"), Critical),
        "StartLogging" => Described::new(format!("started logging on trail {t}"), Low),
        "CreateTrail" => {
            let bucket = p(r, &["s3BucketName"]);
            return Described::new(
                format!("created trail {t} delivering to s3://{}", or_q(&bucket)),
                Low,
            )
            .with("trail", trail)
            .with("s3-bucket", bucket);
        }
        "UpdateTrail" => Described::new(format!("updated trail {t}"), High),
        "PutEventSelectors" => {
            Described::new(format!("changed the event selectors of trail {t}"), High)
        }
        _ => Described::new(
            format!("changed the Insights selectors of trail {t}"),
            Medium,
        ),
    };
    d.with("trail", trail)
}

fn kms(r: &Record, name: &str) -> Described {
    let key = p(r, &["keyId"]).or_else(|| {
        r.value
            .get("resources")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|x| x.get("ARN"))
            .and_then(scalar_text)
    });
    let k = key.as_deref().map(short).unwrap_or("?");
    let d = if name == "ScheduleKeyDeletion" {
        let days = p(r, &["pendingWindowInDays"]).or_else(|| resp(r, &["pendingWindowInDays"]));
        let when = days.map(|d| format!(" in {d} days")).unwrap_or_default();
        Described::new(format!("scheduled deletion of KMS key {k}{when}"), Critical)
    } else {
        Described::new(format!("disabled KMS key {k}"), High)
    };
    d.with("kms-key", key)
}

fn s3(r: &Record, name: &str) -> Described {
    let bucket = p(r, &["bucketName"]).or_else(|| p(r, &["Host"]));
    let b = or_q(&bucket).to_string();
    let what = match name.trim_start_matches("Put").trim_start_matches("Delete") {
        "BucketAcl" => "the ACL",
        "BucketPolicy" => "the bucket policy",
        "BucketCors" => "the CORS configuration",
        "BucketLifecycle" => "the lifecycle configuration",
        _ => "the replication configuration",
    };
    let verb = if name.starts_with("Put") {
        "changed"
    } else {
        "deleted"
    };
    // A grant to everyone (ACL) or an unconditional `"Principal":"*"` (policy) makes the bucket
    // public: worth more attention.
    let public = match name {
        "PutBucketPolicy" => req(r)
            .and_then(|m| m.get("bucketPolicy"))
            .is_some_and(|doc| {
                allow_statements(doc)
                    .iter()
                    .any(|st| st.get("Condition").is_none() && is_everyone(st.get("Principal")))
            }),
        "PutBucketAcl" => {
            let text = r
                .value
                .get("requestParameters")
                .map(Value::to_string)
                .unwrap_or_default();
            [
                "global/AllUsers",
                "global/AuthenticatedUsers",
                "public-read",
                "authenticated-read",
            ]
            .iter()
            .any(|t| text.contains(t))
        }
        _ => false,
    };
    let extra = if public {
        " (grants public access)"
    } else {
        ""
    };
    Described::new(
        format!("{verb} {what} of bucket {b}{extra}"),
        raised(public, High, Medium),
    )
    .with("s3-bucket", bucket)
}

fn config(r: &Record, name: &str) -> Described {
    let recorder =
        p(r, &["configurationRecorderName"]).or_else(|| p(r, &["configurationRecorder", "name"]));
    let channel = p(r, &["deliveryChannelName"]).or_else(|| p(r, &["deliveryChannel", "name"]));
    match name {
        "StopConfigurationRecorder" => Described::new(
            format!("stopped AWS Config recorder {}", or_q(&recorder)),
            High,
        )
        .with("config-recorder", recorder),
        "PutConfigurationRecorder" => Described::new(
            format!("changed AWS Config recorder {}", or_q(&recorder)),
            Medium,
        )
        .with("config-recorder", recorder),
        "DeleteDeliveryChannel" => Described::new(
            format!("deleted AWS Config delivery channel {}", or_q(&channel)),
            High,
        )
        .with("config-delivery-channel", channel),
        _ => Described::new(
            format!("changed AWS Config delivery channel {}", or_q(&channel)),
            Medium,
        )
        .with("config-delivery-channel", channel),
    }
}

fn organizations(r: &Record, name: &str) -> Described {
    let account = p(r, &["accountId"]).or_else(|| p(r, &["target", "id"]));
    let policy = p(r, &["policyId"]);
    let target = p(r, &["targetId"]);
    let (phrase, severity) = match name {
        "LeaveOrganization" => ("left the organization".to_string(), High),
        "DeleteOrganization" => ("deleted the organization".to_string(), Critical),
        "RemoveAccountFromOrganization" => (
            format!("removed account {} from the organization", or_q(&account)),
            High,
        ),
        "InviteAccountToOrganization" => (
            format!("invited account {} to the organization", or_q(&account)),
            Medium,
        ),
        "CreateAccount" => (
            format!(
                "created organization account {}",
                or_q(&p(r, &["accountName"]))
            ),
            Medium,
        ),
        "MoveAccount" => (
            format!(
                "moved account {} to {}",
                or_q(&account),
                or_q(&p(r, &["destinationParentId"]))
            ),
            Medium,
        ),
        "AttachPolicy" => (
            format!(
                "attached organization policy {} to {}",
                or_q(&policy),
                or_q(&target)
            ),
            Medium,
        ),
        "DetachPolicy" => (
            format!(
                "detached organization policy {} from {}",
                or_q(&policy),
                or_q(&target)
            ),
            High,
        ),
        "CreatePolicy" => (
            format!("created organization policy {}", or_q(&p(r, &["name"]))),
            Medium,
        ),
        "UpdatePolicy" => (
            format!("updated organization policy {}", or_q(&policy)),
            Medium,
        ),
        "DeletePolicy" => (
            format!("deleted organization policy {}", or_q(&policy)),
            Medium,
        ),
        "DisablePolicyType" => (
            format!("disabled policy type {}", or_q(&p(r, &["policyType"]))),
            High,
        ),
        "EnablePolicyType" => (
            format!("enabled policy type {}", or_q(&p(r, &["policyType"]))),
            Medium,
        ),
        "AcceptHandshake" | "DeclineHandshake" => (
            format!(
                "{} organization handshake {}",
                if name.starts_with("Accept") {
                    "accepted"
                } else {
                    "declined"
                },
                or_q(&p(r, &["handshakeId"]))
            ),
            Medium,
        ),
        "CreateOrganizationalUnit" => (
            format!("created organizational unit {}", or_q(&p(r, &["name"]))),
            Medium,
        ),
        "DeleteOrganizationalUnit" => (
            format!(
                "deleted organizational unit {}",
                or_q(&p(r, &["organizationalUnitId"]))
            ),
            Medium,
        ),
        "UpdateOrganizationalUnit" => (
            format!(
                "renamed organizational unit {} to {}",
                or_q(&p(r, &["organizationalUnitId"])),
                or_q(&p(r, &["name"]))
            ),
            Medium,
        ),
        other => (format!("called organizations:{other}"), Medium),
    };
    Described::new(phrase, severity)
        .with("account", account)
        .with("organization-policy", policy)
}

fn iam_policy(r: &Record, name: &str) -> Described {
    let principal = [
        ("userName", "user"),
        ("roleName", "role"),
        ("groupName", "group"),
    ]
    .iter()
    .find_map(|(k, kind)| p(r, &[k]).map(|v| (*kind, v)));
    let on = principal
        .as_ref()
        .map(|(k, v)| format!("{k} {v}"))
        .unwrap_or_else(|| "?".into());
    let arn = p(r, &["policyArn"]);
    let pol = arn
        .as_deref()
        .map(short)
        .map(str::to_string)
        .or_else(|| p(r, &["policyName"]));
    let pname = or_q(&pol).to_string();
    let powerful =
        ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"].contains(&pname.as_str());
    let (phrase, severity) = match name {
        "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy" => (
            format!("attached policy {pname} to {on}"),
            raised(powerful, High, Medium),
        ),
        "DetachUserPolicy" | "DetachRolePolicy" | "DetachGroupPolicy" => {
            (format!("detached policy {pname} from {on}"), Medium)
        }
        "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy" => {
            let star = req(r)
                .and_then(|m| m.get("policyDocument"))
                .is_some_and(|doc| {
                    allow_statements(doc)
                        .iter()
                        .any(|st| has_star(st.get("Action")) && has_star(st.get("Resource")))
                });
            (
                format!("put inline policy {pname} on {on}"),
                raised(star, High, Medium),
            )
        }
        "DeleteUserPolicy" | "DeleteRolePolicy" | "DeleteGroupPolicy" => {
            (format!("deleted inline policy {pname} of {on}"), Medium)
        }
        "CreatePolicy" => (format!("created managed policy {pname}"), Medium),
        "DeletePolicy" => (format!("deleted managed policy {pname}"), Medium),
        "CreatePolicyVersion" => {
            let default = p(r, &["setAsDefault"]).as_deref() == Some("true");
            let how = if default { " (as default)" } else { "" };
            (
                format!("created a new version of policy {pname}{how}"),
                Medium,
            )
        }
        _ => (
            format!(
                "deleted version {} of policy {pname}",
                or_q(&p(r, &["versionId"]))
            ),
            Medium,
        ),
    };
    let mut d = Described::new(phrase, severity).with("iam-policy", arn.or(pol));
    if let Some((kind, v)) = principal {
        d = d.with(
            match kind {
                "user" => "iam-user",
                "role" => "iam-role",
                _ => "iam-group",
            },
            Some(v),
        );
    }
    d
}
