//! `ecs-harden`: check ECS task definitions, services, clusters and CloudFormation templates
//! against the hardening controls, in CI pipelines and on a workstation.

mod aws;
mod check;
mod doctor;
mod evidence;
mod exceptions;
mod output;
mod scan;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ecs_harden_core::catalogue::Severity;

#[derive(Parser)]
#[command(
    name = "ecs-harden",
    version,
    about = "Check Amazon ECS resources against hardening controls",
    long_about = "Check Amazon ECS resources against hardening controls.\n\n\
                  Exit status: 0 nothing NON_COMPLIANT (or every NON_COMPLIANT result accepted by \
                  the exception register), 1 something NON_COMPLIANT and not accepted (of the \
                  --fail-on severity or higher), 2 usage or parse error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files: ECS API JSON, AWS Config items, CloudFormation templates (JSON or YAML), Terraform plans and state (`terraform show -json`) and `.tf` files.
    Check(CheckArgs),
    /// Scan an AWS account's ECS resources through the ECS API (read-only), one or more Regions.
    Scan(ScanArgs),
    /// Write audit evidence (PCI DSS, NIST 800-53) from the organization's Config aggregator.
    Evidence(EvidenceArgs),
    /// Check the organization before a deploy (read-only, as the delegated administrator).
    ///
    /// Trusted access and delegated administrators for AWS Config and StackSets, a started
    /// Config recorder in every target account and Region (through the organization's Config
    /// aggregator), opt-in Regions, the member role names, the CDK bootstrap. One line per
    /// check, with the command that fixes each failing line.
    ///
    /// Exit status: 0 nothing found that fails the deploy, 1 a check failed, 2 usage error.
    Doctor(DoctorArgs),
    /// List the controls of the catalogue.
    Controls(ControlsArgs),
}

/// How results are shown; shared by `check` and `scan`.
#[derive(clap::Args)]
struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only these controls (comma-separated ids, e.g. ECS.4,HARDEN.1).
    #[arg(long, value_delimiter = ',')]
    controls: Vec<String>,
    /// A rule parameter, CONTROL.KEY=VALUE (e.g. ECS.13.requiredTagKeys=team,env); repeatable;
    /// over the values of --config.
    #[arg(long = "param", value_name = "CONTROL.KEY=VALUE")]
    params: Vec<String>,
    /// The organization's configuration file (YAML or JSON) whose `parameters` map, by control
    /// id, the conformance packs and the gate use too (the CDK app's `configFile`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The exception register (YAML or JSON, schemas/exceptions.schema.json); default: the
    /// --config file's `exceptions`. An accepted NON_COMPLIANT result stays NON_COMPLIANT,
    /// is marked accepted risk, and does not fail the run.
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,
    /// Judge without any exception register (strict runs).
    #[arg(long, conflicts_with = "exceptions")]
    no_exceptions: bool,
    /// In text output, list every verdict, not only the failures.
    #[arg(long)]
    all: bool,
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit 1 only when a NON_COMPLIANT result's control is of this severity or higher (the
    /// report still lists every result).
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    fail_on: FailOn,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    out: OutputArgs,
    /// Named profile from the AWS config files (SSO, assume-role and credential_process
    /// profiles work); default: the usual credential chain.
    #[arg(long)]
    profile: Option<String>,
    /// Regions to scan (comma-separated or repeated); default: the profile's or AWS_REGION.
    #[arg(long = "region", value_delimiter = ',')]
    regions: Vec<String>,
    /// Every commercial Region with Amazon ECS; Regions not enabled for the account are skipped.
    #[arg(long, conflicts_with = "regions")]
    all_regions: bool,
    /// Most ECS requests in flight at once.
    #[arg(long, default_value_t = ecs_harden_core::runner::inventory::DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(usize))]
    concurrency: usize,
    /// Show AWS errors as AWS reported them, beside what to do about them.
    #[arg(long)]
    verbose: bool,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct EvidenceArgs {
    #[command(subcommand)]
    action: Option<EvidenceAction>,
    #[command(flatten)]
    report: EvidenceReportArgs,
}

#[derive(Subcommand)]
enum EvidenceAction {
    /// Recompute the SHA-256 of every file of an evidence bundle (`--bundle DIR`) and compare
    /// with its MANIFEST.json.
    ///
    /// Exit status: 0 every file is as listed, 1 a file changed, is missing or is not listed
    /// (each named on stderr).
    Verify {
        /// The bundle's folder.
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct EvidenceReportArgs {
    /// The organization's Config aggregator; default: the only one in the account and Region.
    #[arg(long)]
    aggregator: Option<String>,
    /// Only the accounts and Regions where this (organization) conformance pack is deployed.
    #[arg(long)]
    conformance_pack: Option<String>,
    /// Framework: pci, nist or all.
    #[arg(long, default_value = "all")]
    framework: String,
    #[arg(long, value_enum, default_value_t = EvidenceFormat::Md)]
    format: EvidenceFormat,
    /// Write the report here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write an evidence bundle into this new (or empty) folder: the report in every format,
    /// the aggregator's answers, the exception register in force, the catalogue version and
    /// the deployed rule names, and MANIFEST.json with every file's SHA-256 (`evidence verify`).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["format", "out"])]
    bundle: Option<PathBuf>,
    /// Add what changed since this previous bundle: new failures, fixed resources, new and
    /// expired exceptions.
    #[arg(long, value_name = "PREVIOUS_DIR")]
    compare: Option<PathBuf>,
    /// The exception register (YAML or JSON, schemas/exceptions.schema.json); default: the
    /// --config file's `exceptions`. An accepted NON_COMPLIANT result stays NON_COMPLIANT and
    /// is reported as accepted risk with its entry.
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,
    /// The organization's configuration file, for its `exceptions`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report without any exception register.
    #[arg(long, conflicts_with = "exceptions")]
    no_exceptions: bool,
    /// Named profile from the AWS config files.
    #[arg(long)]
    profile: Option<String>,
    /// The aggregator's Region; default: the profile's or AWS_REGION.
    #[arg(long)]
    region: Option<String>,
    /// Most Config requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Show AWS errors as AWS reported them, beside what to do about them.
    #[arg(long)]
    verbose: bool,
}

#[derive(clap::Args)]
struct DoctorArgs {
    /// Named profile from the AWS config files, with credentials of the delegated
    /// administrator; default: the usual credential chain.
    #[arg(long)]
    profile: Option<String>,
    /// The deployment's Regions, the CDK app's `regions` (comma-separated or repeated);
    /// default: the profile's or AWS_REGION.
    #[arg(long = "region", value_delimiter = ',')]
    regions: Vec<String>,
    /// The OUs or root the StackSet deploys to, the CDK app's `targetOus` (comma-separated or
    /// repeated); default: the whole organization.
    #[arg(long = "target-ous", value_delimiter = ',', value_name = "OU")]
    target_ous: Vec<String>,
    /// Accounts of those OUs the StackSet leaves out, the CDK app's `excludedAccounts`.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    excluded_accounts: Vec<String>,
    /// The only accounts the StackSet deploys to, the CDK app's `configSourceAccounts`.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    config_source_accounts: Vec<String>,
    /// The role the rule functions assume in member accounts, the CDK app's `memberRoleName`.
    #[arg(long, default_value = doctor::DEFAULT_MEMBER_ROLE)]
    member_role_name: String,
    /// The role the gate assumes, the CDK app's `gateMemberRoleName`; default: the member
    /// role name followed by `-gate`.
    #[arg(long)]
    gate_member_role_name: Option<String>,
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    format: DoctorFormat,
    /// Show AWS errors as AWS reported them, beside what to do about them.
    #[arg(long)]
    verbose: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DoctorFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvidenceFormat {
    Md,
    Html,
    Csv,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    out: OutputArgs,
    /// List the files skipped because they hold no ECS resource, and why.
    #[arg(long, short)]
    verbose: bool,
    /// Follow symbolic links to folders met in a directory walk (a link loop is never walked
    /// twice).
    #[arg(long)]
    follow_symlinks: bool,
    /// Files or directories. Directories are walked as git sees them (.gitignore and .ignore
    /// respected; .git and node_modules left out) for *.json, *.yaml, *.yml, *.template and
    /// *.tf; files without ECS resources are skipped and counted.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct ControlsArgs {
    #[arg(long, value_enum, default_value_t = ControlsFormat::Text)]
    format: ControlsFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

/// The lowest control severity whose NON_COMPLIANT results fail the run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Low,
    Medium,
    High,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ControlsFormat {
    Text,
    Json,
    Markdown,
}

/// `check` allocates and frees many small values (texts, model fields, report rows) on every
/// thread; mimalloc's per-thread heaps do that without the contention of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ecs-harden: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(args) => {
            let selection = selection(&args.out)?;
            let options = check::WalkOptions {
                follow_symlinks: args.follow_symlinks,
            };
            let report = check::check_paths(&args.paths, &selection, options);
            let code = write_report(&report, &args.out, args.verbose);
            // The process ends here: its memory goes back whole, without freeing every
            // allocation of the report one by one first.
            std::mem::forget(report);
            code
        }
        Command::Scan(args) => {
            let selection = selection(&args.out)?;
            let target = scan::Target {
                profile: args.profile,
                regions: args.regions,
                all_regions: args.all_regions,
                concurrency: args.concurrency,
                verbose: args.verbose,
            };
            let report = scan::scan(&target, &selection)?;
            write_report(&report, &args.out, false)
        }
        Command::Evidence(args) => match args.action {
            Some(EvidenceAction::Verify { dir }) => Ok(verify_bundle(&dir)),
            None => evidence_report(args.report),
        },
        Command::Doctor(args) => {
            let gate_member_role_name = args
                .gate_member_role_name
                .unwrap_or_else(|| doctor::default_gate_member_role(&args.member_role_name));
            doctor::run(doctor::Options {
                profile: args.profile,
                regions: args.regions,
                target_ous: args.target_ous,
                excluded_accounts: args.excluded_accounts,
                config_source_accounts: args.config_source_accounts,
                member_role_name: args.member_role_name,
                gate_member_role_name,
                format: match args.format {
                    DoctorFormat::Text => doctor::Format::Text,
                    DoctorFormat::Json => doctor::Format::Json,
                },
                verbose: args.verbose,
            })
        }
        Command::Controls(args) => {
            let rendered = match args.format {
                ControlsFormat::Text => output::text::controls(),
                ControlsFormat::Json => {
                    let mut s =
                        serde_json::to_string_pretty(&ecs_harden_core::export::catalogue_json())?;
                    s.push('\n');
                    s
                }
                ControlsFormat::Markdown => ecs_harden_core::export::controls_markdown(),
            };
            let _ = std::io::stdout().lock().write_all(rendered.as_bytes());
            Ok(0)
        }
    }
}

fn evidence_report(args: EvidenceReportArgs) -> anyhow::Result<u8> {
    let frameworks = evidence::frameworks(&args.framework)?;
    let register = exceptions::load(
        args.exceptions.as_deref(),
        args.config.as_deref(),
        args.no_exceptions,
    )?;
    let source = evidence::fetch::Source {
        profile: args.profile,
        region: args.region,
        aggregator: args.aggregator,
        conformance_pack: args.conformance_pack,
        concurrency: args.concurrency,
        verbose: args.verbose,
    };
    let progress = std::io::stderr().is_terminal();
    let collected = evidence::fetch::collect(&source, progress)?;
    let mut report = evidence::build(&collected, &frameworks, register.as_ref(), generated_at());
    if let Some(previous) = &args.compare {
        report.changes = Some(evidence::compare::against(previous, &report)?);
    }
    let evaluations =
        report.totals.compliant + report.totals.non_compliant + report.totals.not_applicable;
    if let Some(dir) = &args.bundle {
        let files = evidence::bundle::write(dir, &report, &collected, register.as_ref())?;
        eprintln!(
            "ecs-harden: evidence bundle for {evaluations} evaluations in {} account(s): {files} files and MANIFEST.json in {}",
            report.accounts.len(),
            dir.display()
        );
        return Ok(0);
    }
    let rendered = match args.format {
        EvidenceFormat::Md => evidence::render::markdown(&report),
        EvidenceFormat::Html => evidence::html::render(&report),
        EvidenceFormat::Csv => evidence::render::csv(&report),
        EvidenceFormat::Json => evidence::render::json(&report),
    };
    write_out(args.out.as_ref(), &rendered)?;
    if let Some(path) = &args.out {
        eprintln!(
            "ecs-harden: evidence for {evaluations} evaluations in {} account(s) written to {}",
            report.accounts.len(),
            path.display()
        );
    }
    Ok(0)
}

/// `evidence verify DIR`: 0 when the bundle is as its manifest lists, 1 otherwise.
fn verify_bundle(dir: &std::path::Path) -> u8 {
    match evidence::bundle::verify(dir) {
        Ok(files) => {
            println!(
                "ecs-harden: {}: {files} files match {}",
                dir.display(),
                evidence::bundle::MANIFEST
            );
            0
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("ecs-harden: {}: {problem}", dir.display());
            }
            eprintln!(
                "ecs-harden: {}: the bundle does not match its manifest ({} problem(s))",
                dir.display(),
                problems.len()
            );
            1
        }
    }
}

/// The controls, parameters and exception register a `check` or `scan` command line asks for.
fn selection(args: &OutputArgs) -> anyhow::Result<check::Selection> {
    let mut selection =
        check::Selection::from_args(&args.controls, &args.params, args.config.as_deref())?;
    selection.exceptions = exceptions::load(
        args.exceptions.as_deref(),
        args.config.as_deref(),
        args.no_exceptions,
    )?;
    Ok(selection)
}

/// Renders a `check` or `scan` report as asked; the exit code follows the results.
fn write_report(report: &check::Report, args: &OutputArgs, verbose: bool) -> anyhow::Result<u8> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = match args.format {
        Format::Text => output::text::render(report, color, args.all, verbose),
        Format::Json => output::json::render(report),
        Format::Sarif => output::sarif::render(report),
        Format::Junit => output::junit::render(report),
    };
    write_out(args.output.as_ref(), &rendered)?;
    Ok(report.exit_code(args.fail_on.severity()))
}

fn write_out(path: Option<&PathBuf>, rendered: &str) -> anyhow::Result<()> {
    match path {
        Some(path) => std::fs::write(path, rendered.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write the report to {}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(rendered.as_bytes());
            Ok(())
        }
    }
}

/// Now in RFC 3339, or `SOURCE_DATE_EPOCH` when set (reproducible reports).
fn generated_at() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    aws_smithy_types::DateTime::from_secs(seconds)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| seconds.to_string())
}
