//! Resources a control looks at beside the one it judges: the task definition revision a
//! service runs (HARDEN.14), a task definition's task role (HARDEN.15). Evaluators stay pure:
//! every surface fills one lookup its own way — `check` from the same input (template, plan,
//! folder), the Lambdas from describe calls, `scan` from its inventory — and what the lookup
//! does not hold is unknown, which never fails a control.

use std::collections::HashMap;

use crate::catalogue::Control;
use crate::model::{
    Body, Field, Hole, Part, Policy, PolicyDocument, Resource, ResourceType, Shape, TaskDefinition,
    Text,
};
use crate::params::Params;

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found<'a, T> {
    Yes(&'a T),
    /// Not in what the surface can see: unknown.
    Unknown,
}

/// Related resources, by the reference one resource makes to another.
pub trait Related {
    /// The task definition a reference names: an ARN, `family:revision`, a family (its latest
    /// ACTIVE revision), a template's `!Ref TaskDef`, a Terraform `aws_ecs_task_definition.x.arn`.
    fn task_definition(&self, reference: &Text) -> Found<'_, Resource>;
    /// The role a reference names: an ARN, a name, a template's `!GetAtt Role.Arn`, a Terraform
    /// `aws_iam_role.x.arn`.
    fn role(&self, reference: &Text) -> Found<'_, Resource>;
}

/// What a control that looks across resources gets besides the resource and its parameters.
pub struct Context<'a> {
    pub related: &'a dyn Related,
    /// The controls (with their parameters) a running revision must pass: the gate's.
    pub gated: &'a [(&'static Control, Params)],
}

/// A lookup that holds nothing: every related resource is unknown.
pub struct Nothing;

impl Related for Nothing {
    fn task_definition(&self, _: &Text) -> Found<'_, Resource> {
        Found::Unknown
    }
    fn role(&self, _: &Text) -> Found<'_, Resource> {
        Found::Unknown
    }
}

/// The related resources of one input (`check`'s files, `scan`'s inventory), indexed by every
/// name a reference may use. Task definitions and policies are borrowed from the input; roles
/// are copied, since each gets the documents of the policies that attach to it.
#[derive(Default)]
pub struct Index<'a> {
    task_definitions: Vec<&'a Resource>,
    roles: Vec<Resource>,
    policies: Vec<&'a Resource>,
    by_key: HashMap<String, usize>,
    roles_by_key: HashMap<String, usize>,
    policies_by_key: HashMap<String, usize>,
}

/// The keys a resource answers to: its id (ARN, logical id, Terraform address), and the names a
/// reference may write (`!Ref Id`, `!GetAtt Id.Arn`, `address.arn`, `family:revision`).
fn keys(resource: &Resource) -> Vec<String> {
    let id = &resource.meta.resource_id;
    let mut keys = vec![id.clone()];
    if let Some(arn) = &resource.meta.arn {
        keys.push(arn.clone());
    }
    match resource.meta.shape {
        Shape::CloudFormation => {
            keys.push(format!("!Ref {id}"));
            keys.push(format!("!GetAtt {id}.Arn"));
        }
        Shape::TerraformPlan | Shape::TerraformState | Shape::TerraformHcl => {
            keys.push(format!("{id}.arn"));
            keys.push(format!("{id}.id"));
            keys.push(format!("{id}.name"));
        }
        _ => {}
    }
    match &resource.body {
        Body::TaskDefinition(td) => {
            if let (Some(family), Some(revision)) = (td.family.known(), td.revision) {
                keys.push(format!("{family}:{revision}"));
            }
        }
        Body::Role(role) => {
            if let Some(name) = role.name.known() {
                keys.push(name.clone());
            }
        }
        Body::Policy(policy) => {
            if let Some(name) = policy.name.known() {
                keys.push(name.clone());
            }
        }
        _ => {}
    }
    keys
}

/// How a reference is looked up: its literal text, or the one expression it is.
fn reference_key(reference: &Text) -> Option<String> {
    if let Some(literal) = reference.as_literal() {
        return Some(literal.to_string());
    }
    match reference.parts() {
        [Part::Hole(Hole::Expression(expression))] => Some(expression.clone()),
        _ => None,
    }
}

impl<'a> Index<'a> {
    /// Keeps the task definitions, roles and policies of `resources`; a role gets the
    /// documents of the policies that attach to it and of the customer managed policies it
    /// names, where the input holds them.
    pub fn new(resources: impl IntoIterator<Item = &'a Resource>) -> Index<'a> {
        let mut index = Index::default();
        for resource in resources {
            index.add(resource);
        }
        index.attach_policies();
        index
    }

    fn attach_policies(&mut self) {
        let mut attached: Vec<(usize, Field<PolicyDocument>, Vec<Text>)> = Vec::new();
        for policy in &self.policies {
            let Body::Policy(body) = &policy.body else {
                continue;
            };
            for role in &body.roles {
                let Some(at) = reference_key(role).and_then(|k| self.roles_by_key.get(&k)) else {
                    continue;
                };
                attached.push((*at, body.document.clone(), body.attaches.items.clone()));
            }
        }
        for (at, document, arns) in attached {
            if let Body::Role(role) = &mut self.roles[at].body {
                match document {
                    Field::Known(document) => role.policies.items.push(document),
                    Field::Unknown => role.policies.incomplete = true,
                    Field::Absent => {}
                }
                role.managed_policy_arns.items.extend(arns);
            }
        }
        // Customer managed policies a role names by ARN or reference.
        for role in &mut self.roles {
            let Body::Role(body) = &mut role.body else {
                continue;
            };
            let documents: Vec<PolicyDocument> = body
                .managed_policy_arns
                .iter()
                .filter_map(reference_key)
                .filter_map(|key| self.policies_by_key.get(&key))
                .filter_map(|&at| match &self.policies[at].body {
                    Body::Policy(Policy {
                        document: Field::Known(document),
                        ..
                    }) => Some(document.clone()),
                    _ => None,
                })
                .collect();
            body.policies.items.extend(documents);
        }
    }

    fn add(&mut self, resource: &'a Resource) {
        match resource.meta.resource_type {
            ResourceType::TaskDefinition => {
                let at = self.task_definitions.len();
                for key in keys(resource) {
                    self.by_key.entry(key).or_insert(at);
                }
                // A family names its latest revision.
                if let Body::TaskDefinition(TaskDefinition {
                    family,
                    revision: Some(revision),
                    ..
                }) = &resource.body
                {
                    if let Some(family) = family.known() {
                        let newer = self
                            .by_key
                            .get(family)
                            .and_then(|&i| match &self.task_definitions[i].body {
                                Body::TaskDefinition(td) => td.revision,
                                _ => None,
                            })
                            .is_none_or(|known| known < *revision);
                        if newer {
                            self.by_key.insert(family.clone(), at);
                        }
                    }
                }
                self.task_definitions.push(resource);
            }
            ResourceType::Role => {
                let at = self.roles.len();
                for key in keys(resource) {
                    self.roles_by_key.entry(key).or_insert(at);
                }
                self.roles.push(resource.clone());
            }
            ResourceType::Policy => {
                let at = self.policies.len();
                for key in keys(resource) {
                    self.policies_by_key.entry(key).or_insert(at);
                }
                self.policies.push(resource);
            }
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.task_definitions.is_empty() && self.roles.is_empty() && self.policies.is_empty()
    }
}

impl Related for Index<'_> {
    fn task_definition(&self, reference: &Text) -> Found<'_, Resource> {
        let Some(key) = reference_key(reference) else {
            return Found::Unknown;
        };
        // An ARN of a revision the index holds by family:revision.
        let by_revision = key
            .rsplit_once("task-definition/")
            .map(|(_, tail)| tail.to_string());
        match self
            .by_key
            .get(&key)
            .or_else(|| by_revision.and_then(|tail| self.by_key.get(&tail)))
        {
            Some(&at) => Found::Yes(self.task_definitions[at]),
            None => Found::Unknown,
        }
    }

    fn role(&self, reference: &Text) -> Found<'_, Resource> {
        let Some(key) = reference_key(reference) else {
            return Found::Unknown;
        };
        // An ARN names the role by its last path segment.
        let name = key
            .split_once(":role/")
            .map(|(_, path)| path.rsplit('/').next().unwrap_or(path).to_string());
        let at = self
            .roles_by_key
            .get(&key)
            .or_else(|| name.and_then(|n| self.roles_by_key.get(&n)));
        match at.map(|&at| &self.roles[at]) {
            Some(resource) => Found::Yes(resource),
            None => Found::Unknown,
        }
    }
}
