//! `evidence`: the organization's results for the controls, read from the AWS Config
//! aggregator, arranged the way an audit reads them: framework requirement → controls →
//! accounts → resources, with what the controls do not cover said beside each requirement.

pub mod accept;
pub mod bundle;
pub mod compare;
pub mod fetch;
pub mod html;
pub mod render;

use std::collections::BTreeMap;

use ecs_harden_core::catalogue::{entries, Entry, Framework, MappingSource};
use ecs_harden_core::requirements;
use serde::Serialize;

use crate::exceptions::Loaded;
use accept::{Accepted, RegisterSection};
use compare::Changes;

/// One evaluation as the aggregator reports it.
#[derive(Clone)]
pub struct Record {
    pub account_id: String,
    pub region: String,
    pub rule_name: String,
    /// The control, or the AWS managed rule, the Config rule is.
    pub control: Entry,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: String,
    pub annotation: Option<String>,
    /// When Config recorded the result (RFC 3339).
    pub recorded: Option<String>,
}

/// An account as Organizations names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    /// `Root/Workloads/Prod`, when Organizations could be read.
    pub ou_path: Option<String>,
}

/// Everything read from AWS.
#[derive(Clone, Default)]
pub struct Collected {
    pub aggregator: String,
    pub conformance_pack: Option<String>,
    pub records: Vec<Record>,
    pub accounts: BTreeMap<String, Account>,
    /// Things the reader of the report must know (Organizations not readable, …).
    pub notes: Vec<String>,
    /// The aggregator's answers as AWS Config and Organizations gave them, for the bundle.
    pub raw: fetch::Raw,
}

/// The Config rule's control (or AWS managed rule, deployed by the packs under its catalogue
/// rule name): the catalogue rule name is the rule's name, or its start when Config adds a
/// suffix (`…-conformance-pack-abc123` in organization conformance packs) or an
/// `OrgConfigRule-` prefix (organization rules).
pub fn control_for_rule(rule_name: &str) -> Option<Entry> {
    let name = rule_name
        .strip_prefix("OrgConfigRule-")
        .unwrap_or(rule_name);
    entries()
        .filter(|c| {
            let base = c.rule_name();
            name == base
                || name
                    .strip_prefix(base.as_str())
                    .is_some_and(|rest| rest.starts_with('-') && !continues_other_rule(&base, name))
        })
        .max_by_key(|c| c.rule_name().len())
}

/// `ecs-harden-a` must not claim `ecs-harden-a-b` when a control named `ecs-harden-a-b`
/// exists.
fn continues_other_rule(base: &str, name: &str) -> bool {
    entries().any(|c| {
        let other = c.rule_name();
        other.len() > base.len() && other.starts_with(base) && name.starts_with(other.as_str())
    })
}

/// The frameworks asked for on the command line.
pub fn frameworks(key: &str) -> anyhow::Result<Vec<Framework>> {
    match key {
        "all" => Ok(Framework::ALL.to_vec()),
        other => Framework::ALL
            .into_iter()
            .find(|f| f.key() == other)
            .map(|f| vec![f])
            .ok_or_else(|| anyhow::anyhow!("--framework {other:?}: use pci, nist or all")),
    }
}

/// Results by compliance. `non_compliant` counts every NON_COMPLIANT result, the truth;
/// `accepted_risk` those of them an entry of the exception register accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub compliant: usize,
    pub non_compliant: usize,
    pub accepted_risk: usize,
    pub not_applicable: usize,
}

impl Counts {
    fn add(&mut self, compliance: &str, accepted: bool) {
        match compliance {
            "COMPLIANT" => self.compliant += 1,
            "NON_COMPLIANT" => {
                self.non_compliant += 1;
                if accepted {
                    self.accepted_risk += 1;
                }
            }
            _ => self.not_applicable += 1,
        }
    }

    fn absorb(&mut self, other: &Counts) {
        self.compliant += other.compliant;
        self.non_compliant += other.non_compliant;
        self.accepted_risk += other.accepted_risk;
        self.not_applicable += other.not_applicable;
    }

    /// NON_COMPLIANT results that no register entry accepts.
    pub fn failing(&self) -> usize {
        self.non_compliant - self.accepted_risk
    }

    /// NON_COMPLIANT when a NON_COMPLIANT result is not accepted, ACCEPTED_RISK when every one
    /// is, COMPLIANT, or NO_DATA when nothing was evaluated.
    pub fn status(&self) -> &'static str {
        if self.failing() > 0 {
            "NON_COMPLIANT"
        } else if self.accepted_risk > 0 {
            "ACCEPTED_RISK"
        } else if self.compliant > 0 {
            "COMPLIANT"
        } else {
            "NO_DATA"
        }
    }

    /// Share of COMPLIANT among COMPLIANT + NON_COMPLIANT, in percent.
    pub fn percent(&self) -> Option<f64> {
        let judged = self.compliant + self.non_compliant;
        (judged > 0).then(|| self.compliant as f64 * 100.0 / judged as f64)
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRow {
    pub region: String,
    /// The Config rule that reported it (as named in the member account).
    pub config_rule: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: String,
    pub annotation: Option<String>,
    pub evaluated_at: Option<String>,
    /// The register entry that accepts this NON_COMPLIANT result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Accepted>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSection {
    #[serde(flatten)]
    pub account: Account,
    pub counts: Counts,
    pub resources: Vec<ResourceRow>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlSection {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: &'static str,
    /// The AWS Config identifier, for an AWS managed rule (AWS Config evaluates it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_managed: Option<&'static str>,
    /// "as AWS Security Hub maps it" or "ecs-harden's own".
    pub mapping: &'static str,
    pub status: &'static str,
    pub counts: Counts,
    pub accounts: Vec<AccountSection>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementSection {
    pub id: &'static str,
    pub title: &'static str,
    pub coverage: &'static str,
    /// What the requirement needs beyond what the controls check.
    pub not_covered: &'static str,
    pub status: &'static str,
    pub counts: Counts,
    pub controls: Vec<ControlSection>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkSection {
    pub key: &'static str,
    pub name: &'static str,
    pub counts: Counts,
    pub requirements: Vec<RequirementSection>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountTotal {
    #[serde(flatten)]
    pub account: Account,
    pub counts: Counts,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlTotal {
    pub id: &'static str,
    pub title: &'static str,
    /// The AWS Config identifier, for an AWS managed rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_managed: Option<&'static str>,
    pub counts: Counts,
}

/// The report every format renders.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub generated_at: String,
    pub aggregator: String,
    pub conformance_pack: Option<String>,
    pub totals: Counts,
    pub accounts: Vec<AccountTotal>,
    pub controls: Vec<ControlTotal>,
    pub frameworks: Vec<FrameworkSection>,
    pub notes: Vec<String>,
    /// The exception register the results were judged with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<RegisterSection>,
    /// What changed since a previous bundle (`--compare`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// Arranges what was read: every requirement of each framework that a control maps to, even
/// those with no results (status NO_DATA), so gaps show. With a register, each NON_COMPLIANT
/// result an entry in force covers stays NON_COMPLIANT and carries the entry (accepted risk).
pub fn build(
    collected: &Collected,
    frameworks: &[Framework],
    register: Option<&Loaded>,
    generated_at: String,
) -> Evidence {
    let account = |id: &str| {
        collected.accounts.get(id).cloned().unwrap_or(Account {
            id: id.to_string(),
            ..Account::default()
        })
    };
    let mut records: Vec<&Record> = collected.records.iter().collect();
    records.sort_by(|a, b| {
        (
            &a.account_id,
            &a.region,
            &a.resource_type,
            &a.resource_id,
            a.control.id(),
        )
            .cmp(&(
                &b.account_id,
                &b.region,
                &b.resource_type,
                &b.resource_id,
                b.control.id(),
            ))
    });
    let in_scope = |control: Entry| {
        control
            .mappings()
            .iter()
            .any(|m| frameworks.contains(&m.framework))
    };
    // Each control's results, arranged once; a requirement shows a copy under its mapping.
    type Section<'a> = (Entry, Counts, BTreeMap<&'a str, AccountSection>);
    let mut sections: BTreeMap<&str, Section> = BTreeMap::new();
    let mut totals = Counts::default();
    let mut per_account: BTreeMap<&str, Counts> = BTreeMap::new();
    let judged = accept::judge(&records, register);
    for (record, exception) in records.iter().zip(judged.decisions) {
        let accepted = exception.is_some();
        let (_, counts, accounts) = sections
            .entry(record.control.id())
            .or_insert_with(|| (record.control, Counts::default(), BTreeMap::new()));
        counts.add(&record.compliance, accepted);
        let section = accounts
            .entry(&record.account_id)
            .or_insert_with(|| AccountSection {
                account: account(&record.account_id),
                counts: Counts::default(),
                resources: Vec::new(),
            });
        section.counts.add(&record.compliance, accepted);
        section.resources.push(ResourceRow {
            region: record.region.clone(),
            config_rule: record.rule_name.clone(),
            resource_type: record.resource_type.clone(),
            resource_id: record.resource_id.clone(),
            compliance: record.compliance.clone(),
            annotation: record.annotation.clone(),
            evaluated_at: record.recorded.clone(),
            exception,
        });
        if in_scope(record.control) {
            totals.add(&record.compliance, accepted);
            per_account
                .entry(&record.account_id)
                .or_default()
                .add(&record.compliance, accepted);
        }
    }
    let control_section = |control: Entry, source: MappingSource| {
        let (counts, accounts) = sections
            .get(control.id())
            .map(|(_, counts, accounts)| (*counts, accounts.clone()))
            .unwrap_or_default();
        ControlSection {
            id: control.id(),
            title: control.title(),
            severity: control.severity().as_str(),
            aws_managed: control.aws_managed().map(|m| m.identifier),
            mapping: source.label(),
            status: counts.status(),
            counts,
            accounts: accounts.into_values().collect(),
        }
    };
    let frameworks = frameworks
        .iter()
        .map(|&framework| {
            let mut framework_counts = Counts::default();
            let requirements = requirements::mapped(framework)
                .into_iter()
                .map(|requirement| {
                    let controls: Vec<ControlSection> = entries()
                        .filter_map(|c| {
                            c.mappings()
                                .iter()
                                .find(|m| {
                                    m.framework == framework
                                        && m.requirements.contains(&requirement.id)
                                })
                                .map(|m| control_section(c, m.source))
                        })
                        .collect();
                    let mut counts = Counts::default();
                    for c in &controls {
                        counts.absorb(&c.counts);
                    }
                    RequirementSection {
                        id: requirement.id,
                        title: requirement.title,
                        coverage: requirement.coverage.label(),
                        not_covered: requirement.gap,
                        status: counts.status(),
                        counts,
                        controls,
                    }
                })
                .collect();
            for (control, counts, _) in sections.values() {
                if control.mappings().iter().any(|m| m.framework == framework) {
                    framework_counts.absorb(counts);
                }
            }
            FrameworkSection {
                key: framework.key(),
                name: framework.name(),
                counts: framework_counts,
                requirements,
            }
        })
        .collect();
    Evidence {
        generated_at,
        aggregator: collected.aggregator.clone(),
        conformance_pack: collected.conformance_pack.clone(),
        totals,
        accounts: per_account
            .into_iter()
            .map(|(id, counts)| AccountTotal {
                account: account(id),
                counts,
            })
            .collect(),
        controls: sections
            .values()
            .filter(|(control, _, _)| in_scope(*control))
            .map(|(control, counts, _)| ControlTotal {
                id: control.id(),
                title: control.title(),
                aws_managed: control.aws_managed().map(|m| m.identifier),
                counts: *counts,
            })
            .collect(),
        frameworks,
        notes: collected
            .notes
            .iter()
            .chain(&judged.notes)
            .cloned()
            .collect(),
        exceptions: judged.register,
        changes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_map_to_controls_with_and_without_suffixes() {
        let ecs4 = ecs_harden_core::catalogue::find("ECS.4").unwrap();
        let name = ecs4.rule_name();
        assert_eq!(control_for_rule(&name).map(|c| c.id()), Some("ECS.4"));
        assert_eq!(
            control_for_rule(&format!("{name}-conformance-pack-x1y2z3")).map(|c| c.id()),
            Some("ECS.4")
        );
        assert_eq!(
            control_for_rule(&format!("OrgConfigRule-{name}-abcd")).map(|c| c.id()),
            Some("ECS.4")
        );
        assert!(control_for_rule("ecs-task-definition-user-for-host-mode-check").is_none());
        assert!(control_for_rule(&format!("{name}x")).is_none());
        for entry in entries() {
            assert_eq!(
                control_for_rule(&format!("{}-conformance-pack-abc", entry.rule_name()))
                    .map(|c| c.id()),
                Some(entry.id())
            );
        }
        // AWS managed rules, under the names the packs give them; AWS's own name for the same
        // managed rule deployed outside the packs is not ours.
        assert_eq!(
            control_for_rule("ecs-harden-ecr-image-scanning-conformance-pack-q1w2e3")
                .and_then(|c| c.aws_managed())
                .map(|m| m.identifier),
            Some("ECR_PRIVATE_IMAGE_SCANNING_ENABLED")
        );
        assert!(control_for_rule("ecr-private-image-scanning-enabled").is_none());
    }

    fn record(rule: &str, resource_id: &str, compliance: &str) -> Record {
        Record {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            rule_name: rule.into(),
            control: control_for_rule(rule).expect("a catalogue rule"),
            resource_type: "AWS::ECR::Repository".into(),
            resource_id: resource_id.into(),
            compliance: compliance.into(),
            annotation: None,
            recorded: None,
        }
    }

    #[test]
    fn aws_managed_rules_are_reported_under_their_requirements_as_aws_managed() {
        let collected = Collected {
            aggregator: "org".into(),
            records: vec![
                record(
                    "ecs-harden-ecr-image-scanning-conformance-pack-x",
                    "orders",
                    "NON_COMPLIANT",
                ),
                record(
                    "ecs-harden-ecr-image-scanning-conformance-pack-x",
                    "payments",
                    "COMPLIANT",
                ),
            ],
            ..Collected::default()
        };
        let report = build(
            &collected,
            &[Framework::Nist80053R5],
            None,
            "2026-03-02T00:00:00Z".into(),
        );
        let ra5 = report.frameworks[0]
            .requirements
            .iter()
            .find(|r| r.id == "RA-5")
            .expect("RA-5 is mapped by ECR.1");
        assert_eq!(ra5.controls.len(), 1);
        let ecr1 = &ra5.controls[0];
        assert_eq!(ecr1.id, "ECR.1");
        assert_eq!(ecr1.aws_managed, Some("ECR_PRIVATE_IMAGE_SCANNING_ENABLED"));
        assert_eq!(ecr1.mapping, "as AWS Security Hub maps it");
        assert_eq!((ecr1.counts.compliant, ecr1.counts.non_compliant), (1, 1));
        let markdown = render::markdown(&report);
        assert!(
            markdown.contains("| ECR.1 (AWS managed) |"),
            "the control table marks the AWS managed rule"
        );
        assert!(markdown.contains(
            "#### ECR.1 ECR private repositories should have image scanning configured (High, AWS managed rule ECR_PRIVATE_IMAGE_SCANNING_ENABLED, mapping as AWS Security Hub maps it) — NON_COMPLIANT"
        ));
        let json: serde_json::Value = serde_json::from_str(&render::json(&report)).unwrap();
        assert_eq!(
            json["controls"][0]["awsManaged"],
            "ECR_PRIVATE_IMAGE_SCANNING_ENABLED"
        );
        assert!(
            html::render(&report).contains("AWS managed rule ECR_PRIVATE_IMAGE_SCANNING_ENABLED")
        );
    }
}
