//! The command line of `cargo xtask`, declared once: `cargo xtask help` and every task's
//! `--help` come from these doc comments.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The project's tasks: tests, demo, generated files, Lambda zips, deployment, benchmarks."
)]
pub struct Xtask {
    #[command(subcommand)]
    pub task: Task,
}

#[derive(Subcommand)]
pub enum Task {
    /// Everything CI runs, then each step's time and the total.
    ///
    /// Prerequisites (installed when missing, or a sentence saying what to install), cargo fmt
    /// --check, clippy -D warnings, generated files fresh, cargo deny (licences, bans, sources),
    /// every Rust test (the end-to-end tests build the binaries they run), the CDK tests, the
    /// arm64 Lambda packaging and qemu smoke run, the PyPI wheel built, installed and run, the
    /// demo with CARGO_TARGET_DIR set, doc tests.
    Test,
    /// Installs what the tests need (`cargo xtask test` does this first).
    ///
    /// .venv with moto and cfn-lint; with apt-get, Debian's chromium, qemu-user and
    /// libc6-arm64-cross; checks Node.js and npm. What cannot be installed is named.
    Setup,
    /// Every control's Config rule Lambda over a local AWS endpoint, then scan, evidence, check.
    ///
    /// Prints the compliance table the AWS Config console would show, runs `ecs-harden scan`
    /// and `ecs-harden evidence` on the same account, then `ecs-harden check examples/`. No AWS
    /// account needed.
    Demo,
    /// Regenerates the files derived from the catalogue.
    ///
    /// docs/controls.md, the conformance packs, cdk/generated/catalogue.json.
    Codegen {
        /// Rewrite nothing; fail naming every stale file.
        #[arg(long)]
        check: bool,
    },
    /// Scaffolds a control (CONTRIBUTING.md, "Adding a control").
    ///
    /// For an id the catalogue does not know yet, its source file and fixture folder; for a
    /// catalogue control, its Lambda crate.
    NewControl(NewControl),
    /// Release zips of the Lambdas, reproducible, in lambda-zips/<arch>/ of the target directory.
    ///
    /// Built with cargo-lambda (installed into .venv), every crate in one cargo invocation;
    /// byte-for-byte the same zip for the same sources, from any checkout path.
    BuildLambdas(BuildLambdas),
    /// ECS.4's arm64 zip built from two checkouts and run under qemu-aarch64 (part of `cargo
    /// xtask test`).
    ///
    /// The zips built from this checkout and from a copy at another path must be identical and
    /// hold no path of the machine, and the Lambda must answer a periodic event against the
    /// local endpoint.
    LambdaSmoke,
    /// The PyPI wheel for this machine built, installed into a fresh venv and run (part of
    /// `cargo xtask test`).
    ///
    /// maturin (installed into .venv) builds it with the dev profile in the workspace's target
    /// directory; `ecs-harden --version`, `controls`, `check` and the GitHub Action's check
    /// script run from the venv.
    WheelSmoke,
    /// `ecs-harden doctor`, build-lambdas, then `cdk deploy --all` from cdk/ (docs/deploy.md).
    ///
    /// Doctor checks the Regions, target OUs, excluded and source accounts and member role
    /// names of the context (cdk/cdk.json, then the -c arguments); the deploy stops when a
    /// check fails.
    Deploy(Deploy),
    /// Rewrites docs/benchmarks.md; not part of `cargo xtask test`.
    ///
    /// ecs-harden next to cfn-guard, checkov and a boto3 Lambda, periodic runs at scale, how
    /// parsing time grows with input size, evaluating against parsing and the Lambda build
    /// time. Installs the other tools pinned.
    Bench(Bench),
}

#[derive(Args)]
pub struct NewControl {
    /// The control id: ECS.22, HARDEN.10.
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// The Lambda crate of every catalogue control that lacks one.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
}

#[derive(Args)]
pub struct BuildLambdas {
    /// The architecture the Lambdas run on.
    #[arg(long, value_enum, default_value_t = Arch::Arm64)]
    pub arch: Arch,
    /// Only these controls' Lambdas (ids such as ECS.4); every control's, the gate's and the
    /// findings Lambda's by default.
    #[arg(long = "control", value_name = "ID", num_args = 1..)]
    pub controls: Vec<String>,
}

#[derive(Args)]
pub struct Deploy {
    /// CDK context, passed to `cdk deploy` as `-c KEY=VALUE` (see docs/deploy.md).
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Deploy without running `ecs-harden doctor` first.
    #[arg(long)]
    pub skip_doctor: bool,
}

#[derive(Args)]
pub struct Bench {
    /// Measure only these sections; the file keeps the others as the previous run wrote them
    /// (its header names the sections this run measured). Every section by default.
    #[arg(long = "only", value_enum, value_name = "SECTION", num_args = 1..)]
    pub only: Vec<BenchSection>,
}

/// The parts of `cargo xtask bench`, by the sections of docs/benchmarks.md they write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchSection {
    /// 1 and 2: the CLI's throughput against cfn-guard and checkov, and completeness.
    Cli,
    /// 3 and 4: the rule Lambda's cold start against boto3, and periodic runs at scale.
    Lambda,
    /// 5: parsing time against input size.
    Linear,
    /// 6: evaluating every control against parsing the document.
    Evaluate,
    /// 7: building the Lambda zips.
    Build,
}

/// The architectures Lambda runs.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Arch {
    #[value(alias = "aarch64")]
    Arm64,
    #[value(name = "x86_64", alias = "amd64")]
    X86_64,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Xtask;

    #[test]
    fn the_command_line_is_consistent() {
        Xtask::command().debug_assert();
    }
}
