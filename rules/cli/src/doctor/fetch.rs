//! Reading AWS for `doctor`, read-only, retrying throttling with the core's caller. A call that
//! fails is kept in [`Facts`] as its error: the checklist says what could not be checked.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::bail;
use aws_config::{Region, SdkConfig};
use aws_sdk_config::types::{AggregateResourceIdentifier, ResourceFilters, ResourceType};
use aws_sdk_organizations::types::AccountState;
use ecs_harden_aws::clock::SystemClock;
use ecs_harden_aws::errors::{api_error, CallContext};
use ecs_harden_core::runner::io::{ApiError, Page};
use ecs_harden_core::runner::retry::Caller;
use serde_json::Value;

use super::checks::principals;
use super::{
    member_template_roles, Account, Aggregated, Aggregator, Bootstrap, ConfigView, ExistingRole,
    Facts, Options, Organization, Read, Recorder, RecordingGroup, SourceStatus, TargetError,
};
use crate::aws;

type Retrying<'a> = Caller<'a, SystemClock>;

/// The name the CDK app gives the organization aggregator; preferred when several exist.
const CDK_AGGREGATOR: &str = "ecs-harden-organization";
const RECORDER_TYPE: &str = "AWS::Config::ConfigurationRecorder";
const ROLE_TYPE: &str = "AWS::IAM::Role";

pub async fn facts(options: &Options) -> anyhow::Result<Facts> {
    let base = aws::load(
        options.profile.as_deref(),
        options.regions.first().map(String::as_str),
    )
    .await;
    let regions = if options.regions.is_empty() {
        match base.region() {
            Some(region) => vec![region.to_string()],
            None => bail!(
                "no Region: pass --region (the CDK app's regions), set AWS_REGION, or give the profile a region"
            ),
        }
    } else {
        options.regions.clone()
    };
    let calls = CallContext::of(
        &base,
        aws::profile_in_use(options.profile.as_deref()).as_deref(),
    );
    let clock = SystemClock::default();
    let policy = aws::retry_policy(Duration::from_secs(15 * 60));
    let caller = Caller::new(&clock, &policy);
    let read = match caller_account(&base).await {
        Ok(account) => Ok(read(&base, &caller, account, &regions, options).await),
        Err(error) => Err(error),
    };
    Ok(Facts {
        calls,
        regions,
        read,
    })
}

/// The caller's account. One attempt, as in `scan`: it is the first call, and when it fails (no
/// credentials, no way to AWS) the user hears at once what to fix.
async fn caller_account(base: &SdkConfig) -> Result<String, ApiError> {
    let identity = aws_sdk_sts::Client::new(base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| api_error("sts:GetCallerIdentity", e))?;
    identity.account().map(str::to_string).ok_or_else(|| {
        ApiError::new(
            "sts:GetCallerIdentity",
            "EmptyResponse",
            "no account in the answer",
            false,
        )
    })
}

async fn read(
    base: &SdkConfig,
    caller: &Retrying<'_>,
    account: String,
    regions: &[String],
    options: &Options,
) -> Read {
    let organizations = aws_sdk_organizations::Client::new(base);
    let organization = organization(&organizations, caller).await;
    let trusted_access = trusted_access(&organizations, caller).await;
    let mut delegated_administrators = Vec::new();
    for principal in principals() {
        delegated_administrators.push((
            principal,
            delegated_administrators_of(&organizations, caller, principal).await,
        ));
    }
    let management = organization
        .as_ref()
        .ok()
        .map(|o| o.management_account.as_str());
    let targets = target_accounts(&organizations, caller, &options.target_ous, management).await;
    let region_status = region_status(&aws_sdk_account::Client::new(base), caller).await;
    let roles = member_template_roles(
        &options.member_role_name,
        &options.gate_member_role_name,
        regions,
    );
    let config = config_view(base, caller, &account, regions, &roles).await;
    let mut bootstrap = Vec::new();
    for region in regions {
        bootstrap.push((region.clone(), cdk_toolkit(base, caller, region).await));
    }
    Read {
        caller: account,
        organization,
        trusted_access,
        delegated_administrators,
        targets,
        region_status,
        config,
        bootstrap,
    }
}

async fn organization(
    organizations: &aws_sdk_organizations::Client,
    caller: &Retrying<'_>,
) -> Result<Organization, ApiError> {
    const ACTION: &str = "organizations:DescribeOrganization";
    let described = caller
        .call(|| async {
            organizations
                .describe_organization()
                .send()
                .await
                .map_err(|e| api_error(ACTION, e))
        })
        .await?;
    let org = described.organization().ok_or_else(|| {
        ApiError::new(
            ACTION,
            "EmptyResponse",
            "no organization in the answer",
            false,
        )
    })?;
    match (org.id(), org.master_account_id()) {
        (Some(id), Some(management)) => Ok(Organization {
            id: id.to_string(),
            management_account: management.to_string(),
            feature_set: org
                .feature_set()
                .map_or_else(|| "ALL".to_string(), |f| f.as_str().to_string()),
        }),
        _ => Err(ApiError::new(
            ACTION,
            "EmptyResponse",
            "the organization has no id or management account in the answer",
            false,
        )),
    }
}

async fn trusted_access(
    organizations: &aws_sdk_organizations::Client,
    caller: &Retrying<'_>,
) -> Result<Vec<String>, ApiError> {
    let pages = caller
        .pages(|token| async move {
            let page = organizations
                .list_aws_service_access_for_organization()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("organizations:ListAWSServiceAccessForOrganization", e))?;
            Ok(Page {
                items: page
                    .enabled_service_principals()
                    .iter()
                    .filter_map(|p| p.service_principal().map(str::to_string))
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await?;
    Ok(pages)
}

async fn delegated_administrators_of(
    organizations: &aws_sdk_organizations::Client,
    caller: &Retrying<'_>,
    principal: &str,
) -> Result<Vec<String>, ApiError> {
    caller
        .pages(|token| async move {
            let page = organizations
                .list_delegated_administrators()
                .service_principal(principal)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("organizations:ListDelegatedAdministrators", e))?;
            Ok(Page {
                items: page
                    .delegated_administrators()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_string))
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await
}

/// The active member accounts the StackSet deploys to: every account under the target OUs and
/// their child OUs (or the whole organization), without the management account.
async fn target_accounts(
    organizations: &aws_sdk_organizations::Client,
    caller: &Retrying<'_>,
    target_ous: &[String],
    management: Option<&str>,
) -> Result<Vec<Account>, TargetError> {
    let listed = if target_ous.is_empty() {
        caller
            .pages(|token| async move {
                let page = organizations
                    .list_accounts()
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("organizations:ListAccounts", e))?;
                Ok(Page {
                    items: page.accounts().to_vec(),
                    next_token: page.next_token().map(str::to_string),
                })
            })
            .await
            .map_err(TargetError::Unreadable)?
    } else {
        let mut listed = Vec::new();
        let mut seen = BTreeSet::new();
        for target in target_ous {
            let mut parents = vec![target.clone()];
            while let Some(parent) = parents.pop() {
                if !seen.insert(parent.clone()) {
                    continue;
                }
                let not_found = |e: ApiError| {
                    if e.code == "ParentNotFoundException" || e.code == "TargetNotFoundException" {
                        TargetError::UnknownTarget(target.clone(), e)
                    } else {
                        TargetError::Unreadable(e)
                    }
                };
                let parent_ref = parent.as_str();
                let accounts = caller
                    .pages(|token| async move {
                        let page = organizations
                            .list_accounts_for_parent()
                            .parent_id(parent_ref)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| api_error("organizations:ListAccountsForParent", e))?;
                        Ok(Page {
                            items: page.accounts().to_vec(),
                            next_token: page.next_token().map(str::to_string),
                        })
                    })
                    .await
                    .map_err(not_found)?;
                listed.extend(accounts);
                let children = caller
                    .pages(|token| async move {
                        let page = organizations
                            .list_organizational_units_for_parent()
                            .parent_id(parent_ref)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| {
                                api_error("organizations:ListOrganizationalUnitsForParent", e)
                            })?;
                        Ok(Page {
                            items: page
                                .organizational_units()
                                .iter()
                                .filter_map(|ou| ou.id().map(str::to_string))
                                .collect(),
                            next_token: page.next_token().map(str::to_string),
                        })
                    })
                    .await
                    .map_err(not_found)?;
                parents.extend(children);
            }
        }
        listed
    };
    let mut accounts: Vec<Account> = listed
        .iter()
        .filter(|a| is_active(a))
        .filter_map(|a| {
            let id = a.id()?;
            (Some(id) != management).then(|| Account {
                id: id.to_string(),
                name: a.name().map(str::to_string),
            })
        })
        .collect();
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(accounts)
}

/// Accounts being closed, suspended or not yet active get no stack instance.
fn is_active(account: &aws_sdk_organizations::types::Account) -> bool {
    match account.state() {
        Some(state) => *state == AccountState::Active,
        None => account.status().is_none_or(|s| s.as_str() == "ACTIVE"),
    }
}

async fn region_status(
    account: &aws_sdk_account::Client,
    caller: &Retrying<'_>,
) -> Result<Vec<(String, String)>, ApiError> {
    caller
        .pages(|token| async move {
            let page = account
                .list_regions()
                .max_results(50)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("account:ListRegions", e))?;
            Ok(Page {
                items: page
                    .regions()
                    .iter()
                    .filter_map(|r| {
                        Some((
                            r.region_name()?.to_string(),
                            r.region_opt_status()?.as_str().to_string(),
                        ))
                    })
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await
}

fn config_client(base: &SdkConfig, region: &str) -> aws_sdk_config::Client {
    aws_sdk_config::Client::from_conf(
        aws_sdk_config::config::Builder::from(base)
            .region(Region::new(region.to_string()))
            .build(),
    )
}

/// The organization aggregator of the caller's account (the CDK app's, else the first with an
/// organization source) in the Regions asked for, and what it knows.
async fn config_view(
    base: &SdkConfig,
    caller: &Retrying<'_>,
    account: &str,
    regions: &[String],
    roles: &[String],
) -> ConfigView {
    let mut found: Vec<Aggregator> = Vec::new();
    for region in regions {
        let config = config_client(base, region);
        let aggregators = caller
            .pages(|token| {
                let config = &config;
                async move {
                    let page = config
                        .describe_configuration_aggregators()
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(|e| api_error("config:DescribeConfigurationAggregators", e))?;
                    Ok(Page {
                        items: page.configuration_aggregators().to_vec(),
                        next_token: page.next_token().map(str::to_string),
                    })
                }
            })
            .await;
        let aggregators = match aggregators {
            Ok(aggregators) => aggregators,
            Err(error) => {
                return ConfigView::Unreadable {
                    region: region.clone(),
                    error,
                }
            }
        };
        found.extend(aggregators.iter().filter_map(|a| {
            let source = a.organization_aggregation_source()?;
            Some(Aggregator {
                name: a.configuration_aggregator_name()?.to_string(),
                region: region.clone(),
                all_regions: source.all_aws_regions(),
                regions: source.aws_regions().to_vec(),
            })
        }));
    }
    if found.is_empty() {
        return ConfigView::NoAggregator {
            searched: regions.to_vec(),
        };
    }
    let chosen = found
        .iter()
        .position(|a| a.name == CDK_AGGREGATOR)
        .unwrap_or(0);
    let aggregator = found.swap_remove(chosen);
    let config = config_client(base, &aggregator.region);
    let sources = source_status(&config, caller, &aggregator.name).await;
    let recorders = recorders(&config, caller, &aggregator.name).await;
    let existing = existing_roles(&config, caller, &aggregator.name, account, roles).await;
    ConfigView::Found(Box::new(Aggregated {
        aggregator,
        sources,
        recorders,
        roles: existing,
    }))
}

async fn source_status(
    config: &aws_sdk_config::Client,
    caller: &Retrying<'_>,
    aggregator: &str,
) -> Result<Vec<SourceStatus>, ApiError> {
    caller
        .pages(|token| async move {
            let page = config
                .describe_configuration_aggregator_sources_status()
                .configuration_aggregator_name(aggregator)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("config:DescribeConfigurationAggregatorSourcesStatus", e))?;
            Ok(Page {
                items: page
                    .aggregated_source_status_list()
                    .iter()
                    .filter(|s| {
                        s.source_type()
                            .is_some_and(|t| t.as_str() == "ORGANIZATION")
                    })
                    .filter_map(|s| {
                        Some(SourceStatus {
                            region: s.aws_region()?.to_string(),
                            status: s.last_update_status()?.as_str().to_string(),
                            error_code: s.last_error_code().map(str::to_string),
                            error_message: s.last_error_message().map(str::to_string),
                        })
                    })
                    .collect(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await
}

/// Identifiers of every resource of `resource_type` the aggregator knows (of that name, if
/// given), all pages.
async fn aggregate_identifiers(
    config: &aws_sdk_config::Client,
    caller: &Retrying<'_>,
    aggregator: &str,
    resource_type: &str,
    name: Option<&str>,
) -> Result<Vec<AggregateResourceIdentifier>, ApiError> {
    let filters = name.map(|n| ResourceFilters::builder().resource_name(n).build());
    caller
        .pages(|token| {
            let filters = filters.clone();
            async move {
                let page = config
                    .list_aggregate_discovered_resources()
                    .configuration_aggregator_name(aggregator)
                    .resource_type(ResourceType::from(resource_type))
                    .set_filters(filters)
                    .limit(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| api_error("config:ListAggregateDiscoveredResources", e))?;
                Ok(Page {
                    items: page.resource_identifiers().to_vec(),
                    next_token: page.next_token().map(str::to_string),
                })
            }
        })
        .await
}

/// The configuration items of `identifiers`, 100 to a call, with each item's account, Region
/// and `configuration` parsed. Identifiers Config left unprocessed are left out.
async fn aggregate_items(
    config: &aws_sdk_config::Client,
    caller: &Retrying<'_>,
    aggregator: &str,
    identifiers: &[AggregateResourceIdentifier],
) -> Result<Vec<(String, String, String, Value)>, ApiError> {
    const ACTION: &str = "config:BatchGetAggregateResourceConfig";
    let mut items = Vec::new();
    for chunk in identifiers.chunks(100) {
        let answer = caller
            .call(|| async {
                config
                    .batch_get_aggregate_resource_config()
                    .configuration_aggregator_name(aggregator)
                    .set_resource_identifiers(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(|e| api_error(ACTION, e))
            })
            .await?;
        for item in answer.base_configuration_items() {
            let (Some(account), Some(region), Some(name)) =
                (item.account_id(), item.aws_region(), item.resource_name())
            else {
                continue;
            };
            let configuration = item
                .configuration()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or(Value::Null);
            items.push((
                account.to_string(),
                region.to_string(),
                name.to_string(),
                configuration,
            ));
        }
    }
    Ok(items)
}

async fn recorders(
    config: &aws_sdk_config::Client,
    caller: &Retrying<'_>,
    aggregator: &str,
) -> Result<Vec<Recorder>, ApiError> {
    let identifiers =
        aggregate_identifiers(config, caller, aggregator, RECORDER_TYPE, None).await?;
    let items = aggregate_items(config, caller, aggregator, &identifiers).await?;
    let mut recorders: Vec<Recorder> = items
        .into_iter()
        .map(|(account, region, name, configuration)| Recorder {
            account,
            region,
            name,
            recording: configuration["Recording"].as_bool(),
            group: recording_group(&configuration["RecordingGroup"]),
        })
        .collect();
    // An item Config could not return still says a recorder exists there.
    for id in &identifiers {
        let place = (id.source_account_id(), id.source_region());
        if !recorders
            .iter()
            .any(|r| (r.account.as_str(), r.region.as_str()) == place)
        {
            recorders.push(Recorder {
                account: id.source_account_id().to_string(),
                region: id.source_region().to_string(),
                name: id.resource_name().unwrap_or(id.resource_id()).to_string(),
                recording: None,
                group: RecordingGroup::default(),
            });
        }
    }
    Ok(recorders)
}

/// `configuration.RecordingGroup` of a recorder item (the Config resource schema's
/// `AWS::Config::ConfigurationRecorder` properties).
pub fn recording_group(group: &Value) -> RecordingGroup {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    RecordingGroup {
        all_supported: group["AllSupported"].as_bool().unwrap_or(false),
        include_global_resource_types: group["IncludeGlobalResourceTypes"]
            .as_bool()
            .unwrap_or(false),
        resource_types: strings(&group["ResourceTypes"]),
        exclusion_resource_types: strings(&group["ExclusionByResourceTypes"]["ResourceTypes"]),
        strategy: group["RecordingStrategy"]["UseOnly"]
            .as_str()
            .map(str::to_string),
    }
}

/// Roles named as the member template names its roles, in any account the aggregator knows;
/// each with whether an earlier deploy from `admin` made it.
async fn existing_roles(
    config: &aws_sdk_config::Client,
    caller: &Retrying<'_>,
    aggregator: &str,
    admin: &str,
    names: &[String],
) -> Result<Vec<ExistingRole>, ApiError> {
    let mut identifiers = Vec::new();
    for name in names {
        identifiers.extend(
            aggregate_identifiers(config, caller, aggregator, ROLE_TYPE, Some(name)).await?,
        );
    }
    let items = aggregate_items(config, caller, aggregator, &identifiers).await?;
    let mut roles: Vec<ExistingRole> = Vec::new();
    // Config records a global IAM role in every Region that records global types: one entry
    // per account and name.
    for id in &identifiers {
        let account = id.source_account_id();
        let Some(name) = id.resource_name() else {
            continue;
        };
        if roles.iter().any(|r| r.account == account && r.name == name) {
            continue;
        }
        let ours = items
            .iter()
            .find(|(a, _, n, _)| a == account && n == name)
            .map(|(_, _, _, configuration)| made_by_ecs_harden(configuration, admin));
        roles.push(ExistingRole {
            account: account.to_string(),
            name: name.to_string(),
            ours,
        });
    }
    Ok(roles)
}

/// Whether a role's configuration item points at the ecs-harden resources of the delegated
/// administrator `admin`: the member roles trust its `ecs-harden-rules-<region>` and
/// `ecs-harden-gate-<region>` roles, the forwarder may put events on its `ecs-harden-gate`
/// bus. Config keeps IAM policy documents URL-encoded.
pub fn made_by_ecs_harden(configuration: &Value, admin: &str) -> bool {
    let mut documents = vec![configuration["assumeRolePolicyDocument"].as_str()];
    if let Some(policies) = configuration["rolePolicyList"].as_array() {
        documents.extend(policies.iter().map(|p| p["policyDocument"].as_str()));
    }
    let central_role = format!(":iam::{admin}:role/ecs-harden-");
    let gate_bus = format!(":{admin}:event-bus/ecs-harden-gate");
    documents.into_iter().flatten().any(|document| {
        let decoded = percent_decode(document);
        decoded.contains(&central_role) || decoded.contains(&gate_bus)
    })
}

/// `%XX` escapes decoded (RFC 3986); anything that is not a valid escape is kept as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The CDK bootstrap stack of the caller's account in `region`: `None` when CloudFormation
/// says it does not exist (`ValidationError` "Stack with id CDKToolkit does not exist").
async fn cdk_toolkit(
    base: &SdkConfig,
    caller: &Retrying<'_>,
    region: &str,
) -> Result<Option<Bootstrap>, ApiError> {
    let client = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(base)
            .region(Region::new(region.to_string()))
            .build(),
    );
    let described = caller
        .call(|| async {
            client
                .describe_stacks()
                .stack_name("CDKToolkit")
                .send()
                .await
                .map_err(|e| api_error("cloudformation:DescribeStacks", e))
        })
        .await;
    let described = match described {
        Ok(described) => described,
        Err(error)
            if error.code == "ValidationError" && error.message.contains("does not exist") =>
        {
            return Ok(None)
        }
        Err(error) => return Err(error),
    };
    Ok(described.stacks().first().map(|stack| Bootstrap {
        status: stack
            .stack_status()
            .map_or_else(String::new, |s| s.as_str().to_string()),
        version: stack
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some("BootstrapVersion"))
            .and_then(|o| o.output_value())
            .map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn percent_escapes_are_decoded_and_stray_percent_signs_kept() {
        assert_eq!(
            percent_decode("%7B%22Effect%22%3A%22Allow%22%7D"),
            r#"{"Effect":"Allow"}"#
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
    }

    #[test]
    fn a_role_is_ecs_hardens_when_its_policies_name_the_administrators_resources() {
        let trust = |principal: &str| {
            json!({"assumeRolePolicyDocument": format!(
                "%7B%22Statement%22%3A%5B%7B%22Principal%22%3A%7B%22AWS%22%3A%22{}%22%7D%7D%5D%7D",
                principal.replace(':', "%3A").replace('/', "%2F")
            ), "rolePolicyList": []})
        };
        let member = trust("arn:aws:iam::111122223333:role/ecs-harden-rules-eu-west-1");
        assert!(made_by_ecs_harden(&member, "111122223333"));
        assert!(!made_by_ecs_harden(&member, "999999999999"));
        let gov = trust("arn:aws-us-gov:iam::111122223333:role/ecs-harden-gate-us-gov-west-1");
        assert!(made_by_ecs_harden(&gov, "111122223333"));
        let someone_elses = trust("arn:aws:iam::111122223333:role/deployer");
        assert!(!made_by_ecs_harden(&someone_elses, "111122223333"));
        let forwarder = json!({
            "assumeRolePolicyDocument": "%7B%22Principal%22%3A%7B%22Service%22%3A%22events.amazonaws.com%22%7D%7D",
            "rolePolicyList": [{"policyName": "put-gate-events", "policyDocument":
                "%7B%22Resource%22%3A%22arn%3Aaws%3Aevents%3Aeu-west-1%3A111122223333%3Aevent-bus%2Fecs-harden-gate%22%7D"}],
        });
        assert!(made_by_ecs_harden(&forwarder, "111122223333"));
        assert!(!made_by_ecs_harden(&json!({}), "111122223333"));
    }

    #[test]
    fn recording_groups_are_read_from_the_recorder_items_configuration() {
        let group = recording_group(&json!({
            "AllSupported": false,
            "IncludeGlobalResourceTypes": false,
            "ResourceTypes": ["AWS::ECS::Cluster", "AWS::IAM::Role"],
            "ExclusionByResourceTypes": {"ResourceTypes": []},
            "RecordingStrategy": {"UseOnly": "INCLUSION_BY_RESOURCE_TYPES"},
        }));
        assert_eq!(
            group.resource_types,
            ["AWS::ECS::Cluster", "AWS::IAM::Role"]
        );
        assert_eq!(
            group.strategy.as_deref(),
            Some("INCLUSION_BY_RESOURCE_TYPES")
        );
        assert_eq!(recording_group(&Value::Null), RecordingGroup::default());
    }
}
