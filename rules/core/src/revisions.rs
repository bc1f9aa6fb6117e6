//! Only the latest ACTIVE revision of a task definition family is in scope: when one input
//! (a `select-resource-config` result, a folder of describe outputs) holds several revisions of
//! a family, the older ones are NOT_APPLICABLE, as the Config rules judge them.

use std::collections::HashMap;

use crate::model::{Body, Resource, ResourceType};
use crate::verdict::Outcome;

/// For each resource, the newer ACTIVE revision of its family that the same input holds, when
/// there is one. Revisions are compared within one account, Region and family; documents
/// without a revision number (templates, register input) are never superseded.
pub fn newer_revisions(resources: &[&Resource]) -> Vec<Option<u64>> {
    let key = |r: &Resource| -> Option<(String, Option<String>, Option<String>, u64)> {
        if r.meta.resource_type != ResourceType::TaskDefinition {
            return None;
        }
        let Body::TaskDefinition(td) = &r.body else {
            return None;
        };
        let family = td.family.known()?.clone();
        Some((
            family,
            r.meta.account.clone(),
            r.meta.region.clone(),
            td.revision?,
        ))
    };
    let active = |r: &Resource| {
        r.meta
            .status
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
            && r.meta.item_status.is_none_or(|s| s.is_evaluated())
    };
    let mut newest: HashMap<(String, Option<String>, Option<String>), u64> = HashMap::new();
    for resource in resources.iter().filter(|r| active(r)) {
        if let Some((family, account, region, revision)) = key(resource) {
            let entry = newest.entry((family, account, region)).or_insert(revision);
            *entry = (*entry).max(revision);
        }
    }
    resources
        .iter()
        .map(|r| {
            let (family, account, region, revision) = key(r)?;
            let latest = *newest.get(&(family, account, region))?;
            (latest > revision).then_some(latest)
        })
        .collect()
}

/// The verdict of every task definition control on a revision a newer one supersedes.
pub fn superseded(revision_of: &Resource, newer: u64) -> Outcome {
    let revision = match &revision_of.body {
        Body::TaskDefinition(td) => td.revision.map(|r| r.to_string()),
        _ => None,
    }
    .unwrap_or_default();
    Outcome::not_applicable(format!(
        "Revision {revision} is not the latest: revision {newer} of the family is in the same \
         input, and only the latest ACTIVE revision is judged."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;
    use serde_json::json;

    fn td(family: &str, revision: u64, status: &str) -> Resource {
        let doc = json!({
            "taskDefinitionArn": format!("arn:aws:ecs:us-east-1:111122223333:task-definition/{family}:{revision}"),
            "family": family,
            "revision": revision,
            "status": status,
            "containerDefinitions": [{"name": "app", "image": "app:1"}],
        });
        parse_value(&doc).remove(0).expect("a task definition")
    }

    #[test]
    fn only_the_newest_active_revision_is_in_scope() {
        let resources = [
            td("web", 3, "ACTIVE"),
            td("web", 5, "ACTIVE"),
            td("web", 7, "INACTIVE"),
            td("api", 2, "ACTIVE"),
        ];
        let refs: Vec<&Resource> = resources.iter().collect();
        assert_eq!(newer_revisions(&refs), vec![Some(5), None, None, None]);
    }
}
