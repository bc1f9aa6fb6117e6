//! `evidence --compare PREVIOUS_DIR`: what changed since a previous bundle, the trend over an
//! assessment period. The previous bundle is verified first; its `report.json` gives the
//! results and the register it was judged with.
//!
//! A result is one control on one resource in one account and Region, in one of the states
//! COMPLIANT, NON_COMPLIANT, ACCEPTED_RISK (NON_COMPLIANT, accepted by a register entry) or
//! NOT_APPLICABLE:
//! - a new failure is NON_COMPLIANT and not accepted now, and was not before (new resource,
//!   compliant before, or accepted by an entry that has since expired or gone);
//! - fixed was NON_COMPLIANT (accepted or not) and is COMPLIANT now;
//! - no longer reported was NON_COMPLIANT and is not in the report now (resource deleted,
//!   rule removed).
//!
//! Register entries: new (in force now, not in the previous register), expired (expired now,
//! in force at the previous bundle), removed (in force then, gone now without expiring).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context};
use serde::Serialize;
use serde_json::Value;

use super::bundle::{self, REPORT_JSON};
use super::Evidence;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub account_id: String,
    pub region: String,
    pub control: String,
    pub resource_type: String,
    pub resource_id: String,
    pub before: String,
    pub now: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryChange {
    pub id: String,
    pub owner: String,
    pub expires: String,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// The previous bundle's folder, as given.
    pub previous: String,
    pub previous_generated_at: String,
    pub new_failures: Vec<Change>,
    pub fixed: Vec<Change>,
    pub no_longer_reported: Vec<Change>,
    pub new_exceptions: Vec<EntryChange>,
    pub expired_exceptions: Vec<EntryChange>,
    pub removed_exceptions: Vec<EntryChange>,
}

/// (account, Region, control, resource type, resource id).
type Key = (String, String, String, String, String);

const NOT_REPORTED: &str = "not reported";

/// Each result of a report (as `report.json` holds it) with its state: `ACCEPTED_RISK EXC-1`
/// for an accepted NON_COMPLIANT result. A result shows under every requirement its control
/// maps to; it is taken once.
fn results(report: &Value) -> BTreeMap<Key, String> {
    let mut out = BTreeMap::new();
    let list = |value: &Value, key: &str| value[key].as_array().cloned().unwrap_or_default();
    let text = |value: &Value, key: &str| value[key].as_str().unwrap_or_default().to_string();
    for framework in list(report, "frameworks") {
        for requirement in list(&framework, "requirements") {
            for control in list(&requirement, "controls") {
                for account in list(&control, "accounts") {
                    for row in list(&account, "resources") {
                        let state = match row["exception"]["id"].as_str() {
                            Some(id) => format!("ACCEPTED_RISK {id}"),
                            None => text(&row, "compliance"),
                        };
                        out.insert(
                            (
                                text(&account, "id"),
                                text(&row, "region"),
                                text(&control, "id"),
                                text(&row, "resourceType"),
                                text(&row, "resourceId"),
                            ),
                            state,
                        );
                    }
                }
            }
        }
    }
    out
}

/// The register entries of a report: id → (owner, expires, expired).
fn entries(report: &Value) -> BTreeMap<String, (String, String, bool)> {
    report["exceptions"]["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    Some((
                        e["id"].as_str()?.to_string(),
                        (
                            e["owner"].as_str().unwrap_or_default().to_string(),
                            e["expires"].as_str().unwrap_or_default().to_string(),
                            e["expired"].as_bool().unwrap_or(false),
                        ),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn failing(state: &str) -> bool {
    state == "NON_COMPLIANT"
}

fn was_failing(state: &str) -> bool {
    state == "NON_COMPLIANT" || state.starts_with("ACCEPTED_RISK ")
}

/// What changed between two reports (as `report.json` holds them); `judged_on` is the date the
/// current register was judged on.
pub fn changes(previous: &Value, current: &Value, judged_on: Option<&str>) -> Changes {
    let before = results(previous);
    let now = results(current);
    let change = |key: &Key, was: &str, is: &str| Change {
        account_id: key.0.clone(),
        region: key.1.clone(),
        control: key.2.clone(),
        resource_type: key.3.clone(),
        resource_id: key.4.clone(),
        before: was.to_string(),
        now: is.to_string(),
    };
    let mut out = Changes {
        previous_generated_at: previous["generatedAt"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ..Changes::default()
    };
    for (key, is) in &now {
        let was = before.get(key).map_or(NOT_REPORTED, String::as_str);
        if failing(is) && !failing(was) {
            out.new_failures.push(change(key, was, is));
        } else if is == "COMPLIANT" && was_failing(was) {
            out.fixed.push(change(key, was, is));
        }
    }
    for (key, was) in &before {
        if was_failing(was) && !now.contains_key(key) {
            out.no_longer_reported.push(change(key, was, NOT_REPORTED));
        }
    }
    let then = entries(previous);
    let current_entries = entries(current);
    let entry = |id: &str, (owner, expires, _): &(String, String, bool)| EntryChange {
        id: id.to_string(),
        owner: owner.clone(),
        expires: expires.clone(),
    };
    for (id, found) in &current_entries {
        let in_force_then = then.get(id).is_some_and(|(_, _, expired)| !expired);
        if found.2 && (in_force_then || !then.contains_key(id)) {
            out.expired_exceptions.push(entry(id, found));
        } else if !found.2 && !then.contains_key(id) {
            out.new_exceptions.push(entry(id, found));
        }
    }
    for (id, found) in then
        .iter()
        .filter(|(id, _)| !current_entries.contains_key(*id))
    {
        if found.2 {
            continue;
        }
        // Gone from the register: expired by now (dates compare as text, YYYY-MM-DD), or removed.
        if judged_on.is_some_and(|today| found.1.as_str() < today) {
            out.expired_exceptions.push(entry(id, found));
        } else {
            out.removed_exceptions.push(entry(id, found));
        }
    }
    out
}

/// The changes since the bundle in `previous`, which must verify.
pub fn against(previous: &Path, current: &Evidence) -> anyhow::Result<Changes> {
    let shown = previous.display();
    bundle::verify(previous).map_err(|problems| {
        anyhow!(
            "--compare {shown}: the previous bundle does not verify: {}",
            problems.join("; ")
        )
    })?;
    let path = previous.join(REPORT_JSON);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("--compare: cannot read {}", path.display()))?;
    let before: Value = serde_json::from_str(&text)
        .with_context(|| format!("--compare: {} is not JSON", path.display()))?;
    let now = serde_json::to_value(current).context("--compare: cannot serialize the report")?;
    let judged_on = current.exceptions.as_ref().map(|r| r.judged_on.as_str());
    Ok(Changes {
        previous: shown.to_string(),
        ..changes(&before, &now, judged_on)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(rows: &[(&str, &str, Option<&str>)], entries: Value) -> Value {
        let resources: Vec<Value> = rows
            .iter()
            .map(|(id, compliance, exception)| {
                let mut row = json!({
                    "region": "us-east-1",
                    "resourceType": "AWS::ECS::Cluster",
                    "resourceId": id,
                    "compliance": compliance,
                });
                if let Some(exception) = exception {
                    row["exception"] = json!({"id": exception});
                }
                row
            })
            .collect();
        json!({
            "generatedAt": "2026-11-20T06:00:00Z",
            "frameworks": [{"requirements": [{"controls": [{"id": "ECS.12", "accounts": [
                {"id": "111122223333", "resources": resources}
            ]}]}]}],
            "exceptions": {"entries": entries},
        })
    }

    #[test]
    fn results_and_entries_are_compared_by_key_and_state() {
        let before = report(
            &[
                ("scratch", "NON_COMPLIANT", None),
                ("payments", "COMPLIANT", None),
                ("legacy", "NON_COMPLIANT", Some("EXC-1")),
                ("old", "NON_COMPLIANT", None),
            ],
            json!([
                {"id": "EXC-1", "owner": "a", "expires": "2026-11-25", "expired": false},
                {"id": "EXC-3", "owner": "c", "expires": "2027-01-01", "expired": false},
            ]),
        );
        let now = report(
            &[
                ("scratch", "COMPLIANT", None),
                ("payments", "NON_COMPLIANT", None),
                ("legacy", "NON_COMPLIANT", None),
            ],
            json!([
                {"id": "EXC-1", "owner": "a", "expires": "2026-11-25", "expired": true},
                {"id": "EXC-2", "owner": "b", "expires": "2027-03-01", "expired": false},
            ]),
        );
        let changes = changes(&before, &now, Some("2026-12-01"));
        let ids = |list: &[Change]| -> Vec<(String, String, String)> {
            list.iter()
                .map(|c| (c.resource_id.clone(), c.before.clone(), c.now.clone()))
                .collect()
        };
        assert_eq!(
            ids(&changes.fixed),
            [("scratch".into(), "NON_COMPLIANT".into(), "COMPLIANT".into())]
        );
        assert_eq!(
            ids(&changes.new_failures),
            [
                (
                    "legacy".into(),
                    "ACCEPTED_RISK EXC-1".into(),
                    "NON_COMPLIANT".into()
                ),
                (
                    "payments".into(),
                    "COMPLIANT".into(),
                    "NON_COMPLIANT".into()
                ),
            ]
        );
        assert_eq!(
            ids(&changes.no_longer_reported),
            [("old".into(), "NON_COMPLIANT".into(), NOT_REPORTED.into())]
        );
        let names = |list: &[EntryChange]| list.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(names(&changes.new_exceptions), ["EXC-2"]);
        assert_eq!(names(&changes.expired_exceptions), ["EXC-1"]);
        assert_eq!(names(&changes.removed_exceptions), ["EXC-3"]);
    }
}
