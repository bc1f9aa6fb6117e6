//! Accepted risk in the evidence: the register in force judges every NON_COMPLIANT result the
//! aggregator reports, the way `check`, `scan`, the Config rules and the gate do. The result
//! stays NON_COMPLIANT; it carries the entry that accepts it.
//!
//! An aggregator result names its resource by the Config resource id (an ARN for a task
//! definition, a name for a cluster): the entry's `resources` globs are matched against that id
//! and the names it holds (`family:revision` and `family`, the last part of any other ARN). A
//! rule that accepted the result itself says so at the start of its annotation
//! (`Accepted risk EXC-12 until 2027-06-30: …`); that entry counts too, when the register in
//! force still has it, for that control, account and Region, and it has not expired.

use ecs_harden_core::exceptions::{accepted_in_annotation, EXPIRING_SOON_DAYS};
use serde::{Deserialize, Serialize};

use super::Record;
use crate::exceptions::Loaded;

/// The register entry that accepts a result, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub id: String,
    pub owner: String,
    pub approved_by: String,
    pub expires: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// One entry of the register, as the report lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryRow {
    pub id: String,
    pub controls: Vec<&'static str>,
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    pub reason: String,
    pub owner: String,
    pub approved_by: String,
    pub expires: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Days from the date the register was judged on to `expires` (negative: expired).
    pub days_left: i64,
    pub expired: bool,
    /// Results of this report the entry accepts.
    pub accepted_results: usize,
}

/// The register the report was judged with.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterSection {
    pub source: String,
    /// The date entries were judged on (expiry).
    pub judged_on: String,
    pub max_lifetime_days: i64,
    pub entries: Vec<EntryRow>,
    /// Ids of the entries in force that expire within 30 days, soonest first.
    pub expiring_soon: Vec<String>,
}

/// Every result's decision, in the order given, the register section and notes for the reader.
pub struct Judged {
    pub decisions: Vec<Option<Accepted>>,
    pub register: Option<RegisterSection>,
    pub notes: Vec<String>,
}

/// The names a Config resource id holds: the id, and for an ARN the part after the last `/`
/// (`family:revision` for a task definition); a task definition's family.
pub fn identifiers(resource_type: &str, resource_id: &str) -> Vec<String> {
    let mut out = vec![resource_id.to_string()];
    if resource_id.starts_with("arn:") {
        if let Some((_, name)) = resource_id.rsplit_once('/') {
            out.push(name.to_string());
        }
    }
    if resource_type == "AWS::ECS::TaskDefinition" {
        if let Some(family) = out
            .last()
            .and_then(|name| name.rsplit_once(':'))
            .filter(|(_, revision)| revision.bytes().all(|b| b.is_ascii_digit()))
            .map(|(family, _)| family.to_string())
        {
            out.push(family);
        }
    }
    out.dedup();
    out
}

pub fn judge(records: &[&Record], register: Option<&Loaded>) -> Judged {
    let Some(loaded) = register else {
        let annotated = records
            .iter()
            .filter(|r| {
                r.compliance == "NON_COMPLIANT"
                    && r.annotation
                        .as_deref()
                        .and_then(accepted_in_annotation)
                        .is_some()
            })
            .count();
        let notes = (annotated > 0)
            .then(|| {
                format!(
                    "{annotated} NON_COMPLIANT result(s) are annotated as accepted risk by their rules, but no exception register was given (--exceptions, or the --config file's exceptions): they are reported as non-compliant."
                )
            })
            .into_iter()
            .collect();
        return Judged {
            decisions: vec![None; records.len()],
            register: None,
            notes,
        };
    };
    let register = &loaded.register;
    let today = loaded.today;
    let mut notes = Vec::new();
    // A glob that matches no resource the aggregator reports: a typo, or a resource gone.
    let names: Vec<String> = records
        .iter()
        .flat_map(|r| identifiers(&r.resource_type, &r.resource_id))
        .collect();
    for entry in register.entries() {
        for glob in &entry.resources {
            if !names.iter().any(|name| glob.matches(name)) {
                notes.push(format!(
                    "Exception register: {} resources {:?} matches no resource the aggregator reports.",
                    entry.id,
                    glob.as_str()
                ));
            }
        }
    }
    let decisions: Vec<Option<Accepted>> = records
        .iter()
        .map(|record| {
            if record.compliance != "NON_COMPLIANT" {
                return None;
            }
            let applies = |e: &&ecs_harden_core::exceptions::Entry| {
                !e.is_expired(today)
                    && e.controls.contains(&record.control.id())
                    && (e.accounts.is_empty()
                        || e.accounts.iter().any(|g| g.matches(&record.account_id)))
                    && (e.regions.is_empty() || e.regions.iter().any(|g| g.matches(&record.region)))
            };
            let names = identifiers(&record.resource_type, &record.resource_id);
            let by_globs = register.entries().iter().filter(applies).find(|e| {
                names
                    .iter()
                    .any(|name| e.resources.iter().any(|g| g.matches(name)))
            });
            let by_rule = || {
                let (id, _) = record
                    .annotation
                    .as_deref()
                    .and_then(accepted_in_annotation)?;
                let found = register.find(&id).filter(applies);
                if found.is_none() {
                    notes.push(format!(
                        "{} in {} {}: the rule {} accepted it as {id}, which the register in force does not have, has expired or does not list for this control, account or Region; it is reported as non-compliant.",
                        record.resource_id, record.account_id, record.region, record.rule_name
                    ));
                }
                found
            };
            by_globs.or_else(by_rule).map(|e| Accepted {
                id: e.id.clone(),
                owner: e.owner.clone(),
                approved_by: e.approved_by.clone(),
                expires: e.expires.to_string(),
                ticket: e.ticket.clone(),
            })
        })
        .collect();
    let entries = register
        .entries()
        .iter()
        .map(|e| EntryRow {
            id: e.id.clone(),
            controls: e.controls.clone(),
            resources: e.resources.iter().map(|g| g.as_str().to_string()).collect(),
            accounts: e.accounts.iter().map(|g| g.as_str().to_string()).collect(),
            regions: e.regions.iter().map(|g| g.as_str().to_string()).collect(),
            reason: e.reason.clone(),
            owner: e.owner.clone(),
            approved_by: e.approved_by.clone(),
            expires: e.expires.to_string(),
            ticket: e.ticket.clone(),
            days_left: today.days_until(e.expires),
            expired: e.is_expired(today),
            accepted_results: decisions.iter().flatten().filter(|a| a.id == e.id).count(),
        })
        .collect();
    Judged {
        decisions,
        register: Some(RegisterSection {
            source: loaded.path.clone(),
            judged_on: today.to_string(),
            max_lifetime_days: register.max_lifetime_days(),
            entries,
            expiring_soon: register
                .expiring_within(today, EXPIRING_SOON_DAYS)
                .into_iter()
                .map(|e| e.id.clone())
                .collect(),
        }),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::control_for_rule;
    use ecs_harden_core::exceptions::{Date, Register};
    use ecs_harden_core::parse::Syntax;

    #[test]
    fn names_come_from_arns_and_task_definition_revisions() {
        assert_eq!(
            identifiers(
                "AWS::ECS::TaskDefinition",
                "arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:3"
            ),
            [
                "arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:3",
                "log-shipper:3",
                "log-shipper"
            ]
        );
        assert_eq!(
            identifiers(
                "AWS::ECS::Service",
                "arn:aws:ecs:us-east-1:111122223333:service/payments/api"
            ),
            [
                "arn:aws:ecs:us-east-1:111122223333:service/payments/api",
                "api"
            ]
        );
        assert_eq!(identifiers("AWS::ECS::Cluster", "scratch"), ["scratch"]);
    }

    fn record(resource_id: &str, compliance: &str, annotation: Option<&str>) -> Record {
        let rule = ecs_harden_core::catalogue::find("ECS.4")
            .expect("ECS.4 is in the catalogue")
            .rule_name();
        Record {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            control: control_for_rule(&rule).expect("a catalogue rule"),
            rule_name: rule,
            resource_type: "AWS::ECS::TaskDefinition".into(),
            resource_id: resource_id.into(),
            compliance: compliance.into(),
            annotation: annotation.map(str::to_string),
            recorded: None,
        }
    }

    fn loaded(text: &str, today: &str) -> Loaded {
        let today = Date::parse(today).expect("a date");
        Loaded {
            register: Register::from_text(text, Syntax::Yaml, "exceptions.yaml", today)
                .expect("a valid register"),
            today,
            path: "exceptions.yaml".into(),
        }
    }

    const REGISTER: &str = "exceptions:
  - id: EXC-1
    controls: [ECS.4]
    resources: [log-shipper]
    accounts: ['1111*']
    reason: cAdvisor needs privileged
    owner: platform-team
    approvedBy: ciso
    expires: 2026-12-10
    ticket: SEC-101
  - id: EXC-2
    controls: [ECS.5]
    resources: ['*']
    reason: read-only root breaks the agent
    owner: platform-team
    approvedBy: ciso
    expires: 2027-06-30
";

    #[test]
    fn an_entry_in_force_accepts_a_non_compliant_result_and_nothing_else() {
        let register = loaded(REGISTER, "2026-11-20");
        let arn = "arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:1";
        let failing = record(arn, "NON_COMPLIANT", None);
        let passing = record(arn, "COMPLIANT", None);
        let other = record(
            "arn:aws:ecs:us-east-1:111122223333:task-definition/ledger:1",
            "NON_COMPLIANT",
            None,
        );
        let mut elsewhere = record(arn, "NON_COMPLIANT", None);
        elsewhere.account_id = "444455556666".into();
        let judged = judge(&[&failing, &passing, &other, &elsewhere], Some(&register));
        let accepted = judged.decisions[0].as_ref().expect("EXC-1 accepts it");
        assert_eq!(
            (
                accepted.id.as_str(),
                accepted.owner.as_str(),
                accepted.approved_by.as_str(),
                accepted.expires.as_str(),
                accepted.ticket.as_deref()
            ),
            (
                "EXC-1",
                "platform-team",
                "ciso",
                "2026-12-10",
                Some("SEC-101")
            )
        );
        assert_eq!(judged.decisions[1], None, "only NON_COMPLIANT is accepted");
        assert_eq!(judged.decisions[2], None, "ledger is not in EXC-1");
        assert_eq!(judged.decisions[3], None, "EXC-1 is for 1111* accounts");
        let section = judged.register.expect("the register section");
        assert_eq!(section.expiring_soon, ["EXC-1"], "20 days left");
        assert_eq!(section.entries[0].days_left, 20);
        assert_eq!(section.entries[0].accepted_results, 1);
        assert_eq!(section.entries[1].accepted_results, 0, "EXC-2 is for ECS.5");
    }

    #[test]
    fn an_expired_entry_no_longer_accepts() {
        let register = loaded(REGISTER, "2026-12-11");
        let failing = record(
            "arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:1",
            "NON_COMPLIANT",
            Some("Accepted risk EXC-1 until 2026-12-10: Privileged containers: app."),
        );
        let judged = judge(&[&failing], Some(&register));
        assert_eq!(judged.decisions[0], None);
        assert!(judged.register.expect("the register").entries[0].expired);
        assert_eq!(judged.notes.len(), 1, "{:?}", judged.notes);
        assert!(
            judged.notes[0].contains("accepted it as EXC-1"),
            "{:?}",
            judged.notes
        );
    }

    #[test]
    fn a_rule_that_accepted_a_result_is_followed_while_the_register_agrees() {
        let register = loaded(REGISTER, "2026-11-20");
        // The Config resource id alone does not match `log-shipper`: the rule saw more.
        let failing = record(
            "9f0c7d3e-cbd6-4b6e-9a1f-000000000001",
            "NON_COMPLIANT",
            Some("Accepted risk EXC-1 until 2026-12-10: Privileged containers: app."),
        );
        let judged = judge(&[&failing], Some(&register));
        assert_eq!(
            judged.decisions[0].as_ref().map(|a| a.id.as_str()),
            Some("EXC-1")
        );
        assert!(
            judged.notes.iter().all(|n| !n.contains("accepted it as")),
            "{:?}",
            judged.notes
        );
    }

    #[test]
    fn a_glob_that_matches_no_reported_resource_is_noted() {
        let register = loaded(
            REGISTER.replace("[log-shipper]", "[log-shiper]").as_str(),
            "2026-11-20",
        );
        let failing = record(
            "arn:aws:ecs:us-east-1:111122223333:task-definition/log-shipper:1",
            "NON_COMPLIANT",
            None,
        );
        let judged = judge(&[&failing], Some(&register));
        assert_eq!(judged.decisions, [None], "the typo excepts nothing");
        assert_eq!(
            judged.notes,
            ["Exception register: EXC-1 resources \"log-shiper\" matches no resource the aggregator reports."]
        );
    }

    #[test]
    fn without_a_register_annotated_acceptances_are_noted_not_counted() {
        let failing = record(
            "x",
            "NON_COMPLIANT",
            Some("Accepted risk EXC-1 until 2026-12-10: Privileged containers: app."),
        );
        let judged = judge(&[&failing], None);
        assert_eq!(judged.decisions, [None]);
        assert!(judged.register.is_none());
        assert!(
            judged.notes[0].starts_with("1 NON_COMPLIANT result(s) are annotated"),
            "{:?}",
            judged.notes
        );
    }
}
