//! What a control that looks across resources reads beside the resource it judges, fetched for
//! a Config rule's invocation: the task definition revision a service runs
//! (`DescribeTaskDefinition`, once per revision), and a task definition's task role with its
//! customer managed policies (AWS Config's record of them). What cannot be found is left out,
//! so it is unknown to the control, and never fails it.

use std::collections::HashMap;

use serde_json::Value;

use super::io::{nothing_recorded, ApiError, Clock, EcsApi, InventoryApi};
use super::retry::Caller;
use crate::model::{Body, Field, Resource, ResourceType};
use crate::parse::{arn_part, parse_config_item, parse_value};

/// Related resources fetched during one invocation, each once.
#[derive(Default)]
pub struct Fetched {
    by_reference: HashMap<String, Vec<Resource>>,
}

impl Fetched {
    /// Knowing the task definitions the caller already holds (and indexes itself): a service
    /// running one of them needs no describe, and gets nothing more.
    pub fn holding<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Fetched {
        let by_reference = resources
            .into_iter()
            .filter(|r| r.meta.resource_type == ResourceType::TaskDefinition)
            .filter_map(|r| r.meta.arn.clone())
            .map(|arn| (arn, Vec::new()))
            .collect();
        Fetched { by_reference }
    }

    /// The related resources of `resource`, fetching what this invocation has not yet.
    pub async fn of<E: EcsApi, I: InventoryApi, K: Clock>(
        &mut self,
        resource: &Resource,
        ecs: &E,
        inventory: &I,
        caller: &Caller<'_, K>,
    ) -> Result<Vec<Resource>, ApiError> {
        match &resource.body {
            Body::Service(service) => {
                let Some(arn) = service.task_definition.known().and_then(|t| t.as_literal()) else {
                    return Ok(Vec::new());
                };
                if !self.by_reference.contains_key(arn) {
                    let described = caller.call(|| ecs.describe_task_definition(arn)).await;
                    let found = match described {
                        Ok(document) => read_all(&document),
                        // A revision ECS no longer has: unknown.
                        Err(error) if !error.retryable => Vec::new(),
                        Err(error) => return Err(error),
                    };
                    self.by_reference.insert(arn.to_string(), found);
                }
                Ok(self.by_reference[arn].clone())
            }
            Body::TaskDefinition(td) => {
                let Some(role) = td.task_role_arn.known().and_then(|t| t.as_literal()) else {
                    return Ok(Vec::new());
                };
                let account = arn_part(role, 4).or(resource.meta.account.as_deref());
                let name = role.rsplit('/').next().unwrap_or(role);
                let key = format!("{}/{name}", account.unwrap_or_default());
                if !self.by_reference.contains_key(&key) {
                    let found = role_and_policies(name, account, inventory, caller).await?;
                    self.by_reference.insert(key.clone(), found);
                }
                Ok(self.by_reference[&key].clone())
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// Every resource of a described document.
fn read_all(document: &Value) -> Vec<Resource> {
    parse_value(document).into_iter().flatten().collect()
}

/// A role as Config records it, and the customer managed policies attached to it.
async fn role_and_policies<I: InventoryApi, K: Clock>(
    name: &str,
    account: Option<&str>,
    inventory: &I,
    caller: &Caller<'_, K>,
) -> Result<Vec<Resource>, ApiError> {
    // An account whose Config records nothing has no record of the role: unknown. Other
    // errors (permissions, throttling past the retries) fail the invocation, to be seen.
    let items = nothing_recorded(
        caller
            .call(|| inventory.find(ResourceType::Role.aws_name(), name, account))
            .await,
    )?;
    let mut found: Vec<Resource> = items
        .iter()
        .filter_map(|item| parse_config_item(item, "$").ok())
        .collect();
    let customer_policies: Vec<String> = found
        .iter()
        .filter_map(|r| match &r.body {
            Body::Role(role) => Some(role),
            _ => None,
        })
        .flat_map(|role| role.managed_policy_arns.iter())
        .filter_map(|arn| arn.as_literal())
        .filter(|arn| !arn.contains(":iam::aws:policy/"))
        .filter_map(|arn| arn.rsplit('/').next().map(str::to_string))
        .collect();
    for policy in customer_policies {
        let items = caller
            .call(|| inventory.find(ResourceType::Policy.aws_name(), &policy, account))
            .await?;
        found.extend(
            items
                .iter()
                .filter_map(|item| parse_config_item(item, "$").ok())
                .filter(|r| matches!(&r.body, Body::Policy(p) if p.document != Field::Absent)),
        );
    }
    Ok(found)
}
