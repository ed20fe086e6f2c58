//! Network families: security groups, NACLs, gateways, routes, VPCs (EC2 API).

use serde_json::Value;

use super::read::*;
use super::Described;
use crate::alert::Severity::{Critical, High, Low, Medium};
use crate::record::{lookup, scalar_text, Record};

/// The rules of an Authorize/Revoke call, as `tcp/22 to 0.0.0.0/0` strings, and whether any
/// opens to the whole internet on an admin port / any port.
pub(super) fn sg_permissions(r: &Record) -> (Vec<String>, bool, bool) {
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

pub(super) fn sg_rules(r: &Record, name: &str) -> Described {
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

pub(super) fn security_group(r: &Record, name: &str) -> Described {
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

pub(super) fn nacl(r: &Record, name: &str) -> Described {
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

pub(super) fn gateway(r: &Record, name: &str) -> Described {
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

pub(super) fn route(r: &Record, name: &str) -> Described {
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

pub(super) fn vpc(r: &Record, name: &str) -> Described {
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

pub(super) fn classic_link(name: &str) -> &'static str {
    match name {
        "AttachClassicLinkVpc" => "attached a ClassicLink instance",
        "DetachClassicLinkVpc" => "detached a ClassicLink instance",
        "DisableVpcClassicLink" => "disabled ClassicLink",
        _ => "enabled ClassicLink",
    }
}
