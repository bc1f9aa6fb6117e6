//! Reading the aggregator and Organizations through the AWS SDK, retrying throttling with the
//! core's caller (page by page for listings), at most a few requests in flight.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use aws_sdk_organizations::types::ParentType;
use aws_smithy_types::date_time::Format;
use ecs_harden_aws::clock::SystemClock;
use ecs_harden_aws::errors::{api_error, CallContext};
use ecs_harden_core::runner::io::{ApiError, Page};
use ecs_harden_core::runner::retry::Caller;
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::{control_for_rule, Account, Collected, Record};
use crate::aws::{self, Failures};

/// What to read.
pub struct Source {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub aggregator: Option<String>,
    pub conformance_pack: Option<String>,
    pub concurrency: usize,
    /// Show AWS errors as AWS reported them, beside the explanation.
    pub verbose: bool,
}

/// The answers a report is built from, in the field names of the AWS APIs that gave them: what
/// an evidence bundle keeps beside the report.
#[derive(Clone, Debug, Default)]
pub struct Raw {
    /// `DescribeAggregateComplianceByConfigRules` rows for the catalogue's rules (in scope).
    pub config_rules: Vec<Value>,
    /// `DescribeAggregateComplianceByConformancePacks` rows, with `--conformance-pack`.
    pub conformance_packs: Vec<Value>,
    /// `GetAggregateComplianceDetailsByConfigRule` results of every rule, account and Region.
    pub evaluation_results: Vec<Value>,
    /// `ListAccounts` entries of the accounts in the report (Organizations).
    pub accounts: Vec<Value>,
}

pub fn collect(source: &Source, progress: bool) -> anyhow::Result<Collected> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(collect_async(source, progress))
}

fn say(progress: bool, message: &str) {
    if progress {
        eprintln!("ecs-harden: {message}");
    }
}

async fn collect_async(source: &Source, progress: bool) -> anyhow::Result<Collected> {
    let base = aws::load(source.profile.as_deref(), source.region.as_deref()).await;
    if base.region().is_none() {
        bail!("no Region: pass --region (the aggregator's Region), set AWS_REGION, or give the profile a region");
    }
    let failures = Failures {
        calls: CallContext::of(
            &base,
            aws::profile_in_use(source.profile.as_deref()).as_deref(),
        ),
        verbose: source.verbose,
    };
    let config = aws_sdk_config::Client::new(&base);
    let clock = SystemClock::default();
    let policy = aws::retry_policy(Duration::from_secs(3600));
    let caller = Caller::new(&clock, &policy);
    let aggregator = match &source.aggregator {
        Some(name) => name.clone(),
        None => only_aggregator(&config, &caller, &failures).await?,
    };
    say(progress, &format!("reading aggregator {aggregator}"));
    let mut raw = Raw::default();
    let mut scope = rule_scope(&config, &caller, &aggregator, &mut raw)
        .await
        .map_err(|e| not_found_hint(e, &aggregator, &failures))?;
    let mut notes = Vec::new();
    if let Some(pack) = &source.conformance_pack {
        let deployed = pack_scope(&config, &caller, &aggregator, pack, &mut raw)
            .await
            .map_err(|e| not_found_hint(e, &aggregator, &failures))?;
        if deployed.is_empty() {
            notes.push(format!(
                "Conformance pack {pack} is not reported by aggregator {aggregator} in any account; nothing is in scope."
            ));
        }
        scope.retain(|(_, account, region)| deployed.contains(&(account.clone(), region.clone())));
        raw.config_rules.retain(|row| {
            deployed.contains(&(
                row["AccountId"].as_str().unwrap_or_default().to_string(),
                row["AwsRegion"].as_str().unwrap_or_default().to_string(),
            ))
        });
    }
    say(
        progress,
        &format!("{} rule/account/Region combinations", scope.len()),
    );
    let concurrency = source.concurrency.max(1);
    let mut pages = stream::iter(scope.iter().map(|(rule, account, region)| {
        let config = &config;
        let caller = &caller;
        let aggregator = aggregator.as_str();
        let failures = &failures;
        async move {
            details(config, caller, aggregator, rule, account, region, failures)
                .await
                .with_context(|| format!("rule {rule} in account {account}, {region}"))
        }
    }))
    .buffered(concurrency);
    let mut records = Vec::new();
    let mut done = 0;
    while let Some(found) = pages.next().await {
        let (found, answers) = found?;
        records.extend(found);
        raw.evaluation_results.extend(answers);
        done += 1;
        if progress && (done % 25 == 0 || done == scope.len()) {
            say(true, &format!("{done}/{} read", scope.len()));
        }
    }
    drop(pages);
    let wanted: BTreeSet<String> = records.iter().map(|r| r.account_id.clone()).collect();
    let organizations = aws_sdk_organizations::Client::new(&base);
    let accounts = match accounts(&organizations, &caller, &wanted, &mut raw).await {
        Ok(accounts) => accounts,
        Err(e) => {
            notes.push(format!(
                "Account names and OUs are missing: AWS Organizations could not be read. {} Run from the management account or the delegated administrator for Organizations to include them.",
                failures.explain(&e).summary
            ));
            BTreeMap::new()
        }
    };
    // The same answers give the same bundle, whatever order AWS listed them in.
    let key = |row: &Value, fields: &[&str]| -> Vec<String> {
        fields
            .iter()
            .map(|f| row[*f].as_str().unwrap_or_default().to_string())
            .collect()
    };
    raw.config_rules
        .sort_by_cached_key(|row| key(row, &["ConfigRuleName", "AccountId", "AwsRegion"]));
    raw.conformance_packs
        .sort_by_cached_key(|row| key(row, &["ConformancePackName", "AccountId", "AwsRegion"]));
    raw.accounts.sort_by_cached_key(|row| key(row, &["Id"]));
    Ok(Collected {
        aggregator,
        conformance_pack: source.conformance_pack.clone(),
        records,
        accounts,
        notes,
        raw,
    })
}

async fn only_aggregator(
    config: &aws_sdk_config::Client,
    caller: &Caller<'_, SystemClock>,
    failures: &Failures,
) -> anyhow::Result<String> {
    let found = caller
        .call(|| async {
            config
                .describe_configuration_aggregators()
                .send()
                .await
                .map_err(|e| api_error("config:DescribeConfigurationAggregators", e))
        })
        .await
        .map_err(|e| anyhow!(failures.message(&e)))?;
    let names: Vec<String> = found
        .configuration_aggregators()
        .iter()
        .filter_map(|a| a.configuration_aggregator_name().map(str::to_string))
        .collect();
    match names.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no configuration aggregator in this account and Region: create one (docs/deploy.md) or pass --aggregator"),
        many => bail!("several configuration aggregators ({}): pass --aggregator NAME", many.join(", ")),
    }
}

/// Every (rule, account, Region) the aggregator knows for a rule of the catalogue.
async fn rule_scope(
    config: &aws_sdk_config::Client,
    caller: &Caller<'_, SystemClock>,
    aggregator: &str,
    raw: &mut Raw,
) -> Result<Vec<(String, String, String)>, ApiError> {
    let rows = caller
        .pages(|token| async move {
            let page = config
                .describe_aggregate_compliance_by_config_rules()
                .configuration_aggregator_name(aggregator)
                .limit(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("config:DescribeAggregateComplianceByConfigRules", e))?;
            Ok(Page {
                items: page.aggregate_compliance_by_config_rules().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await?;
    let mut out = BTreeSet::new();
    for entry in &rows {
        if let (Some(rule), Some(account), Some(region)) = (
            entry.config_rule_name(),
            entry.account_id(),
            entry.aws_region(),
        ) {
            if control_for_rule(rule).is_some()
                && out.insert((rule.to_string(), account.to_string(), region.to_string()))
            {
                raw.config_rules.push(json!({
                    "ConfigRuleName": rule,
                    "AccountId": account,
                    "AwsRegion": region,
                    "Compliance": {
                        "ComplianceType": entry
                            .compliance()
                            .and_then(|c| c.compliance_type())
                            .map(|c| c.as_str()),
                    },
                }));
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn not_found_hint(e: ApiError, aggregator: &str, failures: &Failures) -> anyhow::Error {
    if e.code == "NoSuchConfigurationAggregatorException" {
        anyhow!("no configuration aggregator named {aggregator:?} in this account and Region (--aggregator, --region)")
    } else {
        anyhow!(failures.message(&e))
    }
}

/// Accounts and Regions where the conformance pack (or the organization conformance pack of
/// that name, `OrgConformsPack-<name>-<suffix>` in members) is deployed.
async fn pack_scope(
    config: &aws_sdk_config::Client,
    caller: &Caller<'_, SystemClock>,
    aggregator: &str,
    pack: &str,
    raw: &mut Raw,
) -> Result<BTreeSet<(String, String)>, ApiError> {
    let member_prefix = format!("OrgConformsPack-{pack}-");
    let rows = caller
        .pages(|token| async move {
            let page = config
                .describe_aggregate_compliance_by_conformance_packs()
                .configuration_aggregator_name(aggregator)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    api_error("config:DescribeAggregateComplianceByConformancePacks", e)
                })?;
            Ok(Page {
                items: page.aggregate_compliance_by_conformance_packs().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await?;
    let deployed: Vec<_> = rows
        .iter()
        .filter(|entry| {
            let name = entry.conformance_pack_name().unwrap_or_default();
            name == pack || name.starts_with(&member_prefix)
        })
        .collect();
    raw.conformance_packs.extend(deployed.iter().map(|entry| {
        json!({
            "ConformancePackName": entry.conformance_pack_name(),
            "AccountId": entry.account_id(),
            "AwsRegion": entry.aws_region(),
            "Compliance": {
                "ComplianceType": entry
                    .compliance()
                    .and_then(|c| c.compliance_type())
                    .map(|c| c.as_str()),
            },
        })
    }));
    Ok(deployed
        .into_iter()
        .filter_map(|entry| {
            Some((
                entry.account_id()?.to_string(),
                entry.aws_region()?.to_string(),
            ))
        })
        .collect())
}

/// Every result of one rule in one account and Region, all pages, and the answers as given.
async fn details(
    config: &aws_sdk_config::Client,
    caller: &Caller<'_, SystemClock>,
    aggregator: &str,
    rule: &str,
    account: &str,
    region: &str,
    failures: &Failures,
) -> anyhow::Result<(Vec<Record>, Vec<Value>)> {
    let control = control_for_rule(rule).ok_or_else(|| anyhow!("no control for rule {rule}"))?;
    let results = caller
        .pages(|token| async move {
            let page = config
                .get_aggregate_compliance_details_by_config_rule()
                .configuration_aggregator_name(aggregator)
                .config_rule_name(rule)
                .account_id(account)
                .aws_region(region)
                .limit(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error("config:GetAggregateComplianceDetailsByConfigRule", e))?;
            Ok(Page {
                items: page.aggregate_evaluation_results().to_vec(),
                next_token: page.next_token().map(str::to_string),
            })
        })
        .await
        .map_err(|e| anyhow!(failures.message(&e)))?;
    let time =
        |t: Option<&aws_smithy_types::DateTime>| t.and_then(|t| t.fmt(Format::DateTime).ok());
    let answers = results
        .iter()
        .map(|result| {
            let identifier = result.evaluation_result_identifier();
            let qualifier = identifier.and_then(|i| i.evaluation_result_qualifier());
            json!({
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": qualifier.and_then(|q| q.config_rule_name()),
                        "ResourceType": qualifier.and_then(|q| q.resource_type()),
                        "ResourceId": qualifier.and_then(|q| q.resource_id()),
                    },
                    "OrderingTimestamp": time(identifier.and_then(|i| i.ordering_timestamp())),
                },
                "ComplianceType": result.compliance_type().map(|c| c.as_str()),
                "ResultRecordedTime": time(result.result_recorded_time()),
                "ConfigRuleInvokedTime": time(result.config_rule_invoked_time()),
                "Annotation": result.annotation(),
                "AccountId": result.account_id(),
                "AwsRegion": result.aws_region(),
            })
        })
        .collect();
    let records = results
        .iter()
        .filter_map(|result| {
            let qualifier = result
                .evaluation_result_identifier()?
                .evaluation_result_qualifier()?;
            Some(Record {
                account_id: result.account_id().unwrap_or(account).to_string(),
                region: result.aws_region().unwrap_or(region).to_string(),
                rule_name: rule.to_string(),
                control,
                resource_type: qualifier.resource_type()?.to_string(),
                resource_id: qualifier.resource_id()?.to_string(),
                compliance: result
                    .compliance_type()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_else(|| "INSUFFICIENT_DATA".into()),
                annotation: result.annotation().map(str::to_string),
                recorded: time(result.result_recorded_time()),
            })
        })
        .collect();
    Ok((records, answers))
}

/// Names of the accounts in `wanted` and their OU paths (`Root/Workloads/Prod`).
async fn accounts(
    organizations: &aws_sdk_organizations::Client,
    caller: &Caller<'_, SystemClock>,
    wanted: &BTreeSet<String>,
    raw: &mut Raw,
) -> Result<BTreeMap<String, Account>, ApiError> {
    let listed = caller
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
        .await?;
    raw.accounts.extend(
        listed
            .iter()
            .filter(|account| account.id().is_some_and(|id| wanted.contains(id)))
            .map(|account| {
                json!({
                    "Id": account.id(),
                    "Arn": account.arn(),
                    "Name": account.name(),
                })
            }),
    );
    let mut out: BTreeMap<String, Account> = listed
        .iter()
        .filter_map(|account| {
            let id = account.id().filter(|id| wanted.contains(*id))?;
            Some((
                id.to_string(),
                Account {
                    id: id.to_string(),
                    name: account.name().map(str::to_string),
                    ou_path: None,
                },
            ))
        })
        .collect();
    // OUs are shared by many accounts: each one's name and parent is read once.
    let mut parent_of: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut ou_name: BTreeMap<String, String> = BTreeMap::new();
    for account in out.values_mut() {
        let mut path = Vec::new();
        let mut child = account.id.clone();
        // Organizations nest at most five OUs deep; the bound guards against a loop.
        for _ in 0..8 {
            let parent = match parent_of.get(&child) {
                Some(known) => known.clone(),
                None => {
                    let found = parent(organizations, caller, &child).await?;
                    if child.starts_with("ou-") {
                        parent_of.insert(child.clone(), found.clone());
                    }
                    found
                }
            };
            let Some(parent) = parent else {
                path.push("Root".to_string());
                break;
            };
            if !ou_name.contains_key(&parent) {
                let described = caller
                    .call(|| async {
                        organizations
                            .describe_organizational_unit()
                            .organizational_unit_id(&parent)
                            .send()
                            .await
                            .map_err(|e| api_error("organizations:DescribeOrganizationalUnit", e))
                    })
                    .await?;
                let name = described
                    .organizational_unit()
                    .and_then(|ou| ou.name())
                    .unwrap_or(&parent)
                    .to_string();
                ou_name.insert(parent.clone(), name);
            }
            path.push(ou_name[&parent].clone());
            child = parent;
        }
        path.reverse();
        account.ou_path = (!path.is_empty()).then(|| path.join("/"));
    }
    Ok(out)
}

/// The OU `child` sits in, or `None` when its parent is the root.
async fn parent(
    organizations: &aws_sdk_organizations::Client,
    caller: &Caller<'_, SystemClock>,
    child: &str,
) -> Result<Option<String>, ApiError> {
    let parents = caller
        .call(|| async {
            organizations
                .list_parents()
                .child_id(child)
                .send()
                .await
                .map_err(|e| api_error("organizations:ListParents", e))
        })
        .await?;
    Ok(parents
        .parents()
        .first()
        .filter(|p| p.r#type() == Some(&ParentType::OrganizationalUnit))
        .and_then(|p| p.id())
        .map(str::to_string))
}
