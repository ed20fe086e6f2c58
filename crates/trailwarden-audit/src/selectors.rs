//! Link 1, second half: do a trail's event selectors deliver the management events a control needs?
//!
//! CIS asks for "at least one Event Selector … with `IncludeManagementEvents` set to true and `ReadWriteType`
//! set to `All`" and never mentions advanced selectors; peers that read only basic selectors report false
//! FAILs for trails using advanced ones. We judge both kinds by what they deliver: for every event the control
//! monitors (its event source and names, from the control data; "any" when the control has none), read and
//! write, some selector must deliver it. An exclusion of an event source the control needs (basic
//! `ExcludeManagementEventSources`, or advanced `eventSource NotEquals ec2.amazonaws.com`) breaks the link.
//!
//! Advanced selectors are evaluated like CloudTrail does: an event is logged when any selector matches;
//! a selector matches when all its field selectors do; inside a field selector every operator must hold,
//! and the values of one operator are alternatives. A field we cannot evaluate against "every event the
//! control needs" (e.g. `userIdentity.arn`, `errorCode`) restricts the selector, so it does not count as
//! delivering everything (a documented, conservative choice).

use trailwarden_evidence::{
    AdvancedSelector, BasicSelector, EventSelectors, FieldSelector, ReadWriteType,
};

/// The management events a control needs: `source` `None` means every service, `names` empty every name.
#[derive(Debug, Clone, Copy)]
pub struct Needed<'a> {
    /// e.g. `ec2.amazonaws.com`.
    pub source: Option<&'a str>,
    /// e.g. `AuthorizeSecurityGroupIngress`.
    pub names: &'a [String],
}

/// One class of events: a (source, name, read-only) triple, `None` meaning "all of them".
#[derive(Debug, Clone, Copy)]
struct Class<'a> {
    source: Option<&'a str>,
    name: Option<&'a str>,
    read_only: bool,
}

impl Class<'_> {
    fn describe(&self) -> String {
        let rw = if self.read_only { "read" } else { "write" };
        match (self.source, self.name) {
            (Some(s), Some(n)) => format!("the {rw} management event {n} from {s}"),
            (None, Some(n)) => format!("the {rw} management event {n}"),
            (Some(s), None) => format!("the {rw} management events from {s}"),
            (None, None) => format!("all {rw} management events"),
        }
    }
}

/// `Ok(())` if the selectors deliver every needed event, read and write; otherwise the first event class
/// they drop and why.
pub fn delivers(selectors: &EventSelectors, needed: Needed<'_>) -> Result<(), String> {
    if selectors.basic.is_empty() && selectors.advanced.is_empty() {
        return Err(
            "the trail has no event selectors, so it logs no management events".to_string(),
        );
    }
    let names: Vec<Option<&str>> = if needed.names.is_empty() {
        vec![None]
    } else {
        needed.names.iter().map(|n| Some(n.as_str())).collect()
    };
    for read_only in [false, true] {
        for name in &names {
            let class = Class {
                source: needed.source,
                name: *name,
                read_only,
            };
            let basic = selectors
                .basic
                .iter()
                .find_map(|s| basic_rejects(s, class).err());
            let basic_ok = selectors
                .basic
                .iter()
                .any(|s| basic_rejects(s, class).is_ok());
            let advanced_ok = selectors
                .advanced
                .iter()
                .any(|s| advanced_rejects(s, class).is_ok());
            if basic_ok || advanced_ok {
                continue;
            }
            let why = if selectors.advanced.is_empty() {
                basic.unwrap_or_default()
            } else {
                advanced_explanation(&selectors.advanced, class)
            };
            return Err(format!(
                "its event selectors drop {}: {why}",
                class.describe()
            ));
        }
    }
    Ok(())
}

fn basic_rejects(s: &BasicSelector, class: Class<'_>) -> Result<(), String> {
    if !s.include_management_events {
        return Err("IncludeManagementEvents is false".to_string());
    }
    match (s.read_write_type, class.read_only) {
        (ReadWriteType::All, _)
        | (ReadWriteType::ReadOnly, true)
        | (ReadWriteType::WriteOnly, false) => {}
        (rw, _) => return Err(format!("ReadWriteType is {rw:?}, CIS requires All")),
    }
    if s.exclude_management_event_sources.is_empty() {
        return Ok(());
    }
    match class.source {
        Some(src) if !s.exclude_management_event_sources.iter().any(|e| e == src) => Ok(()),
        _ => Err(format!(
            "ExcludeManagementEventSources excludes {}",
            s.exclude_management_event_sources.join(", ")
        )),
    }
}

/// Why the selectors reject a class: from the first selector for management events, else a general note.
fn advanced_explanation(selectors: &[AdvancedSelector], class: Class<'_>) -> String {
    let management = selectors.iter().find(|s| {
        s.field_selectors
            .iter()
            .any(|f| f.field == "eventCategory" && f.equals.iter().any(|v| v == "Management"))
    });
    match management {
        None => "no advanced event selector selects eventCategory = Management".to_string(),
        Some(s) => {
            let name = s.name.as_deref().unwrap_or("(unnamed)");
            match advanced_rejects(s, class) {
                Err(why) => format!("advanced selector '{name}': {why}"),
                Ok(()) => "no advanced selector delivers them".to_string(),
            }
        }
    }
}

fn advanced_rejects(s: &AdvancedSelector, class: Class<'_>) -> Result<(), String> {
    for f in &s.field_selectors {
        let value: Option<&str> = match f.field.as_str() {
            "eventCategory" => Some("Management"),
            "readOnly" => Some(if class.read_only { "true" } else { "false" }),
            "eventSource" => class.source,
            "eventName" => class.name,
            _ => None,
        };
        match value {
            Some(v) => {
                if !field_accepts(f, v) {
                    return Err(format!(
                        "{} {} rejects {v}",
                        f.field,
                        describe_conditions(f)
                    ));
                }
            }
            None => {
                if has_conditions(f) {
                    return Err(format!(
                        "{} {} restricts the events, so it does not deliver {}",
                        f.field,
                        describe_conditions(f),
                        class.describe()
                    ));
                }
            }
        }
    }
    if !s.field_selectors.iter().any(|f| f.field == "eventCategory") {
        // Without eventCategory the selector is not a management selector (CloudTrail requires it).
        return Err("the selector has no eventCategory field".to_string());
    }
    Ok(())
}

fn has_conditions(f: &FieldSelector) -> bool {
    !(f.equals.is_empty()
        && f.not_equals.is_empty()
        && f.starts_with.is_empty()
        && f.not_starts_with.is_empty()
        && f.ends_with.is_empty()
        && f.not_ends_with.is_empty())
}

fn field_accepts(f: &FieldSelector, v: &str) -> bool {
    (f.equals.is_empty() || f.equals.iter().any(|x| x == v))
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|x| v.starts_with(x.as_str())))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|x| v.ends_with(x.as_str())))
        && !f.not_equals.iter().any(|x| x == v)
        && !f.not_starts_with.iter().any(|x| v.starts_with(x.as_str()))
        && !f.not_ends_with.iter().any(|x| v.ends_with(x.as_str()))
}

fn describe_conditions(f: &FieldSelector) -> String {
    let mut parts = Vec::new();
    for (op, vals) in [
        ("Equals", &f.equals),
        ("NotEquals", &f.not_equals),
        ("StartsWith", &f.starts_with),
        ("NotStartsWith", &f.not_starts_with),
        ("EndsWith", &f.ends_with),
        ("NotEndsWith", &f.not_ends_with),
    ] {
        if !vals.is_empty() {
            parts.push(format!("{op} {}", vals.join("|")));
        }
    }
    parts.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(field: &str, equals: &[&str], not_equals: &[&str]) -> FieldSelector {
        FieldSelector {
            field: field.into(),
            equals: equals.iter().map(|s| s.to_string()).collect(),
            not_equals: not_equals.iter().map(|s| s.to_string()).collect(),
            ..FieldSelector::default()
        }
    }

    fn adv(fields: Vec<FieldSelector>) -> EventSelectors {
        EventSelectors {
            basic: vec![],
            advanced: vec![AdvancedSelector {
                name: Some("Mgmt".into()),
                field_selectors: fields,
            }],
        }
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn basic_all_delivers_everything() {
        let sel = EventSelectors {
            basic: vec![BasicSelector {
                read_write_type: ReadWriteType::All,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![],
            }],
            advanced: vec![],
        };
        assert!(delivers(
            &sel,
            Needed {
                source: None,
                names: &[]
            }
        )
        .is_ok());
    }

    #[test]
    fn basic_write_only_drops_reads() {
        let sel = EventSelectors {
            basic: vec![BasicSelector {
                read_write_type: ReadWriteType::WriteOnly,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![],
            }],
            advanced: vec![],
        };
        let err = delivers(
            &sel,
            Needed {
                source: None,
                names: &[],
            },
        )
        .unwrap_err();
        assert!(
            err.contains("read management events") && err.contains("WriteOnly"),
            "{err}"
        );
    }

    #[test]
    fn basic_exclusion_matters_only_for_the_needed_source() {
        let sel = EventSelectors {
            basic: vec![BasicSelector {
                read_write_type: ReadWriteType::All,
                include_management_events: true,
                exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
                data_resources: vec![],
            }],
            advanced: vec![],
        };
        let n = names(&["DisableKey"]);
        assert!(delivers(
            &sel,
            Needed {
                source: Some("ec2.amazonaws.com"),
                names: &n
            }
        )
        .is_ok());
        let err = delivers(
            &sel,
            Needed {
                source: Some("kms.amazonaws.com"),
                names: &n,
            },
        )
        .unwrap_err();
        assert!(err.contains("kms.amazonaws.com"), "{err}");
        // A control about every service (root usage) loses KMS events too.
        assert!(delivers(
            &sel,
            Needed {
                source: None,
                names: &[]
            }
        )
        .is_err());
    }

    #[test]
    fn advanced_management_selector_delivers() {
        let sel = adv(vec![fs("eventCategory", &["Management"], &[])]);
        let n = names(&["CreateVpc"]);
        assert!(delivers(
            &sel,
            Needed {
                source: Some("ec2.amazonaws.com"),
                names: &n
            }
        )
        .is_ok());
        assert!(delivers(
            &sel,
            Needed {
                source: None,
                names: &[]
            }
        )
        .is_ok());
    }

    #[test]
    fn advanced_excluding_ec2_breaks_network_controls_only() {
        let sel = adv(vec![
            fs("eventCategory", &["Management"], &[]),
            fs("eventSource", &[], &["ec2.amazonaws.com"]),
        ]);
        let n = names(&["CreateVpc"]);
        let err = delivers(
            &sel,
            Needed {
                source: Some("ec2.amazonaws.com"),
                names: &n,
            },
        )
        .unwrap_err();
        assert!(err.contains("NotEquals ec2.amazonaws.com"), "{err}");
        let iam = names(&["PutUserPolicy"]);
        assert!(delivers(
            &sel,
            Needed {
                source: Some("iam.amazonaws.com"),
                names: &iam
            }
        )
        .is_ok());
    }

    #[test]
    fn advanced_read_only_false_drops_reads() {
        let sel = adv(vec![
            fs("eventCategory", &["Management"], &[]),
            fs("readOnly", &["false"], &[]),
        ]);
        let err = delivers(
            &sel,
            Needed {
                source: None,
                names: &[],
            },
        )
        .unwrap_err();
        assert!(err.contains("read management events"), "{err}");
    }

    #[test]
    fn advanced_read_and_write_in_two_selectors_together_deliver() {
        let mut sel = adv(vec![
            fs("eventCategory", &["Management"], &[]),
            fs("readOnly", &["false"], &[]),
        ]);
        sel.advanced.push(AdvancedSelector {
            name: None,
            field_selectors: vec![
                fs("eventCategory", &["Management"], &[]),
                fs("readOnly", &["true"], &[]),
            ],
        });
        assert!(delivers(
            &sel,
            Needed {
                source: None,
                names: &[]
            }
        )
        .is_ok());
    }

    #[test]
    fn data_only_selectors_drop_management_events() {
        let sel = adv(vec![
            fs("eventCategory", &["Data"], &[]),
            fs("resources.type", &["AWS::S3::Object"], &[]),
        ]);
        let err = delivers(
            &sel,
            Needed {
                source: None,
                names: &[],
            },
        )
        .unwrap_err();
        assert!(err.contains("eventCategory = Management"), "{err}");
    }
}
