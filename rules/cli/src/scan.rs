//! `scan`: every cluster, service, task set, capacity provider and latest ACTIVE task
//! definition revision of the account, per Region, through the ECS API, evaluated like files
//! are by `check` (same outputs, same exit codes).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use aws_config::{Region, SdkConfig};
use ecs_harden_aws::clients::{SdkConfigApi, SdkEcsApi, SdkInventory};
use ecs_harden_aws::clock::SystemClock;
use ecs_harden_aws::errors::{api_error, CallContext, Problem};
use ecs_harden_core::related::{Index, Nothing};
use ecs_harden_core::runner::inventory::{inventory, Listed, Progress};
use ecs_harden_core::runner::related::Fetched;
use ecs_harden_core::runner::retry::Caller;
use ecs_harden_core::{Resource, ResourceType};

use crate::aws::{self, Failures, COMMERCIAL_REGIONS};
use crate::check::{FileError, FileReport, Report, Selection};

/// What to scan.
pub struct Target {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub concurrency: usize,
    /// Show AWS errors as AWS reported them, beside the explanation.
    pub verbose: bool,
}

/// Scans every Region asked for; the report has one "file" per Region,
/// `aws://<account>/<region>`.
pub fn scan(target: &Target, selection: &Selection) -> anyhow::Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(scan_async(target, selection))
}

async fn scan_async(target: &Target, selection: &Selection) -> anyhow::Result<Report> {
    let base = aws::load(target.profile.as_deref(), None).await;
    let regions: Vec<String> = if target.all_regions {
        COMMERCIAL_REGIONS.iter().map(|r| r.to_string()).collect()
    } else if !target.regions.is_empty() {
        target.regions.clone()
    } else if let Some(region) = base.region() {
        vec![region.to_string()]
    } else {
        bail!(
            "no Region: pass --region (or --all-regions), set AWS_REGION, or give the profile a region"
        );
    };
    let failures = Failures {
        calls: CallContext::of(
            &base,
            aws::profile_in_use(target.profile.as_deref()).as_deref(),
        ),
        verbose: target.verbose,
    };
    let first_region = regions.first().context("no Region to scan")?;
    let account = account_id(&base, first_region, &failures).await?;
    let mut types: Vec<ResourceType> = selection
        .controls
        .iter()
        .map(|(c, _)| c.resource_type())
        .collect();
    types.sort_by_key(|t| t.aws_name());
    types.dedup();
    let progress = ProgressLine::new(std::io::stderr().is_terminal());
    let mut files = Vec::new();
    for region in &regions {
        let config = aws_sdk_ecs::config::Builder::from(&base)
            .region(Region::new(region.clone()))
            .build();
        let ecs = SdkEcsApi {
            client: aws_sdk_ecs::Client::from_conf(config),
        };
        let calls = failures.calls.in_region(region);
        let clock = SystemClock::default();
        let policy = aws::retry_policy(Duration::from_secs(6 * 3600));
        let caller = Caller::new(&clock, &policy);
        let report_progress = |p: Progress| progress.show(region, p);
        let mut report = FileReport {
            path: format!("aws://{account}/{region}"),
            resources: Vec::new(),
            errors: Vec::new(),
        };
        // Controls that look across resources need the whole inventory (and what it refers
        // to) before judging; the others judge each resource as it is listed.
        let mut waiting = Vec::new();
        let found = inventory(
            &ecs,
            &types,
            &caller,
            target.concurrency,
            &report_progress,
            &mut |listed: Listed| {
                if selection.reads_related() {
                    match listed.read() {
                        Ok(resource) => waiting.push(resource),
                        Err(error) => report.errors.push(unreadable(&listed, &error)),
                    }
                } else {
                    evaluate(&listed, selection, &mut report);
                }
            },
        )
        .await;
        if !waiting.is_empty() {
            let config = aws_sdk_config::config::Builder::from(&base)
                .region(Region::new(region.clone()))
                .build();
            let inventory = SdkInventory::Account(SdkConfigApi {
                client: aws_sdk_config::Client::from_conf(config),
            });
            judge_with_related(waiting, &ecs, &inventory, &caller, selection, &mut report).await;
        }
        progress.clear();
        match found {
            Ok(found) => {
                report
                    .errors
                    .extend(found.failed.into_iter().map(|failed| FileError {
                        message: format!(
                            "{} {}: {}",
                            failed.resource_type.aws_name(),
                            failed.resource_id,
                            failures.message_in(&failed.error, &calls)
                        ),
                        position: None,
                    }));
                files.push(report);
            }
            Err(e)
                if target.all_regions
                    && failures.explain(&e).problem == Problem::RegionNotEnabled =>
            {
                eprintln!(
                    "ecs-harden: {region}: skipped, not enabled for this account ({})",
                    e.code
                );
            }
            Err(e) => {
                report.errors.push(FileError {
                    message: failures.message_in(&e, &calls),
                    position: None,
                });
                files.push(report);
            }
        }
    }
    if selection.controls.len() == ecs_harden_core::CATALOGUE.len() {
        // The catalogue's AWS managed rules read ECR and GuardDuty, which scan does not.
        let managed: Vec<&str> = ecs_harden_core::catalogue::MANAGED
            .iter()
            .map(|m| m.id)
            .collect();
        eprintln!(
            "ecs-harden: {} (AWS managed rules): evaluated by AWS Config, not by scan",
            managed.join(", ")
        );
    }
    // Launch templates are not ECS resources: the Config rule reads them from AWS Config's
    // inventory and `check` from templates and plans; scan reads the ECS API only.
    let unread: Vec<&str> = selection
        .controls
        .iter()
        .filter(|(c, _)| !ResourceType::ECS.contains(&c.resource_type()))
        .map(|(c, _)| c.id)
        .collect();
    if !unread.is_empty() {
        eprintln!(
            "ecs-harden: {}: judge EC2 launch templates, which scan does not read (the AWS Config \
             rule and check do)",
            unread.join(", ")
        );
    }
    // A register glob that matches none of the resources scanned is worth a warning.
    let scanned: Vec<String> = files
        .iter()
        .flat_map(|file| &file.resources)
        .flat_map(|resource| resource.identifiers.iter().cloned())
        .collect();
    let warnings = selection.unmatched_globs(&scanned);
    Ok(Report {
        files,
        path_errors: Vec::new(),
        controls: selection.controls.iter().map(|(c, _)| *c).collect(),
        skipped: Vec::new(),
        warnings,
    })
}

/// The account the credentials belong to. One attempt, no retries: it is the first call, and
/// when it fails (no credentials, no way to AWS) the user hears at once what to fix.
async fn account_id(
    config: &SdkConfig,
    first_region: &str,
    failures: &Failures,
) -> anyhow::Result<String> {
    let region = config
        .region()
        .map_or_else(|| first_region.to_string(), ToString::to_string);
    let sts = aws_sdk_sts::config::Builder::from(config)
        .region(Region::new(region.clone()))
        .build();
    let identity = aws_sdk_sts::Client::from_conf(sts)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            let error = api_error("sts:GetCallerIdentity", e);
            anyhow!(failures.message_in(&error, &failures.calls.in_region(&region)))
        })?;
    identity
        .account()
        .map(str::to_string)
        .context("sts:GetCallerIdentity returned no account")
}

/// Every selected control on one resource found in a Region.
fn evaluate(listed: &Listed, selection: &Selection, report: &mut FileReport) {
    match listed.read() {
        Ok(resource) => report
            .resources
            .push(selection.resource_report(&resource, selection.findings(&resource, &Nothing))),
        Err(error) => report.errors.push(unreadable(listed, &error)),
    }
}

fn unreadable(listed: &Listed, error: &ecs_harden_core::ParseError) -> FileError {
    FileError {
        message: format!("{}: {error}", listed.id_hint()),
        position: None,
    }
}

/// Every resource of a Region, judged with what it refers to: the revisions services run
/// (described once each) and task roles (AWS Config's record of them in the account).
async fn judge_with_related(
    resources: Vec<Resource>,
    ecs: &SdkEcsApi,
    inventory: &SdkInventory,
    caller: &Caller<'_, SystemClock>,
    selection: &Selection,
    report: &mut FileReport,
) {
    // A service running the latest revision of its family refers to a task definition the
    // inventory has already described: only other revisions are described again.
    let mut fetched = Fetched::holding(&resources);
    let mut related = Vec::new();
    for resource in &resources {
        match fetched.of(resource, ecs, inventory, caller).await {
            Ok(found) => related.extend(found),
            Err(error) => report.errors.push(FileError {
                message: format!(
                    "{} {}: what it refers to could not be read: {error}",
                    resource.meta.resource_type, resource.meta.resource_id
                ),
                position: None,
            }),
        }
    }
    let index = Index::new(resources.iter().chain(&related));
    for resource in &resources {
        report
            .resources
            .push(selection.resource_report(resource, selection.findings(resource, &index)));
    }
}

/// One self-overwriting status line on a terminal's stderr, at most ten updates a second;
/// silent when stderr is not a terminal.
struct ProgressLine {
    enabled: bool,
    last: Mutex<Option<Instant>>,
}

impl ProgressLine {
    fn new(enabled: bool) -> Self {
        ProgressLine {
            enabled,
            last: Mutex::new(None),
        }
    }

    fn show(&self, region: &str, p: Progress) {
        if !self.enabled {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let finished = p.done == p.total;
        if !finished && last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        let width = 30;
        let filled = (p.done * width).checked_div(p.total).unwrap_or(width);
        let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{region}: [{bar}] {}/{} {}",
            p.done,
            p.total,
            p.stage.label()
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
