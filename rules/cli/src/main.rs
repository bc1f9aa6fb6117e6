//! `ecs-harden`: check ECS task definitions, services, clusters and CloudFormation templates
//! against the hardening controls, in CI pipelines and on a workstation.

mod check;
mod output;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "ecs-harden",
    version,
    about = "Check Amazon ECS resources against hardening controls",
    long_about = "Check Amazon ECS resources against hardening controls.\n\n\
                  Exit status: 0 nothing NON_COMPLIANT, 1 something NON_COMPLIANT, 2 usage or parse error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files: ECS API JSON, AWS Config items or CloudFormation templates (JSON or YAML).
    Check(CheckArgs),
    /// List the controls of the catalogue.
    Controls(ControlsArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only these controls (comma-separated ids, e.g. ECS.4,HARDEN.1).
    #[arg(long, value_delimiter = ',')]
    controls: Vec<String>,
    /// A rule parameter, CONTROL.KEY=VALUE (e.g. ECS.13.requiredTagKeys=team,env); repeatable.
    #[arg(long = "param", value_name = "CONTROL.KEY=VALUE")]
    params: Vec<String>,
    /// In text output, list every verdict, not only the failures.
    #[arg(long)]
    all: bool,
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Files or directories (searched recursively for *.json, *.yaml, *.yml, *.template).
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
            let selection = check::Selection::new(&args.controls, &args.params)?;
            let report = check::check_paths(&args.paths, &selection);
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            let rendered = match args.format {
                Format::Text => output::text::render(&report, color, args.all),
                Format::Json => output::json::render(&report),
                Format::Sarif => output::sarif::render(&report),
                Format::Junit => output::junit::render(&report),
            };
            match &args.output {
                Some(path) => std::fs::write(path, rendered.as_bytes()).map_err(|e| {
                    anyhow::anyhow!("cannot write the report to {}: {e}", path.display())
                })?,
                None => {
                    let mut stdout = std::io::stdout().lock();
                    // A closed pipe (`| head`) is not an error worth a message.
                    let _ = stdout.write_all(rendered.as_bytes());
                }
            }
            Ok(report.exit_code())
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
