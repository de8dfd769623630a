//! The command line: clap types only. Doc comments are the help text (`--help`, completions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::ColorChoice;

const AFTER_HELP: &str = "\
Examples:
  ssp doctor                      check Docker, tools, ports, chart and disk
  ssp config                      show the resolved configuration and where each value came from
  ssp -C ~/src/resilience config -o json
  ssp completions zsh > ~/.zfunc/_ssp

Exit status:
  0    success
  1    the operation failed
  2    usage or configuration error
  130  interrupted (Ctrl-C or SIGTERM)

Configuration: ssp.toml at the project root, overridden by --config FILE, then by SSP_<SECTION>_<KEY>
environment variables (e.g. SSP_CLUSTER_NAME), then by flags. `ssp config` shows the result.";

/// ssp — run the Support Sphere backend: pinned tools, a local k3d cluster with Supabase,
/// SOPS-encrypted production values and database seeding, in one binary.
#[derive(Debug, Parser)]
#[command(name = "ssp", version, propagate_version = true, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Use DIR as the project root instead of searching upward from the current folder for
    /// ssp.toml (or a deployment/ folder).
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,

    /// Read settings from FILE on top of the project's ssp.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Say more: -v shows every command and API call ssp makes, -vv adds debugging detail.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Say less: only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print every external command and API call that would change something, and do nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Plain log lines instead of progress bars (automatic when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// When to use colour (NO_COLOR in the environment means never, unless --color always).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the resolved configuration, each value with where it came from.
    #[command(after_help = "\
Examples:
  ssp config                      annotated TOML: `name = \"pdc-cluster\"  # default`
  ssp config -o json | jq -r .config.cluster.name
  SSP_CLUSTER_NAME=test ssp config   environment variables override ssp.toml")]
    Config(ConfigArgs),

    /// Check that this machine can run the stack: Docker, tools, ports, chart, disk.
    #[command(after_help = "\
Examples:
  ssp doctor
  ssp doctor -o json | jq '.checks[] | select(.status != \"ok\")'

Exits 1 when a required check fails.")]
    Doctor(DoctorArgs),

    /// Download the pinned k3d and helm (kubectl when asked) into the project's tools dir, verified
    /// against their pinned SHA-256; then fetch the chart.
    ///
    /// Tools already installed at the pinned version are skipped without any network request.
    /// Downloads run in parallel, are retried on transient failures, and a tool is only put in place
    /// once its checksum and version check out. With no TOOL, installs the tools whose
    /// `[tools.<name>] enabled` is true (k3d and helm by default).
    #[command(after_help = "\
Examples:
  ssp install-tools                       k3d and helm into .ssp/bin, then the chart
  ssp install-tools kubectl --no-chart    only kubectl
  ssp install-tools --force helm          download and reinstall helm
  ssp install-tools --mirror https://artifacts.example.org/github
  SSP_TOOLS_MIRROR=https://mirror.example ssp install-tools

The pins (version, URL, SHA-256 per platform) are under [tools] in `ssp config`.")]
    InstallTools(InstallToolsArgs),

    /// Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml.
    ///
    /// In a git work tree that records the chart as a submodule: `git submodule update --init`. Otherwise
    /// (an unpacked tarball): a clone of `chart.repo` at `chart.rev`. Nothing is fetched when the
    /// checkout is already at the commit. Your git configuration applies, so
    /// `git config url.<mirror>.insteadOf <chart.repo>` redirects the download.
    #[command(after_help = "\
Examples:
  ssp fetch-chart                         the commit the project pins
  ssp fetch-chart --rev supabase-0.3.0    another commit, tag or branch of the chart
  git config --global url.https://git.example.org/supabase-kubernetes.insteadOf \\
      https://github.com/supabase-community/supabase-kubernetes && ssp fetch-chart")]
    FetchChart(FetchChartArgs),

    /// Print shell completions for SHELL to stdout.
    #[command(after_help = "\
Examples:
  ssp completions bash > ~/.local/share/bash-completion/completions/ssp
  ssp completions zsh > ~/.zfunc/_ssp
  ssp completions fish > ~/.config/fish/completions/ssp.fish")]
    Completions(CompletionsArgs),
}

/// Machine-readable or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct InstallToolsArgs {
    /// Tools to install (default: those enabled in [tools], i.e. k3d and helm).
    #[arg(value_enum, value_name = "TOOL")]
    pub tools: Vec<crate::tools::ToolName>,

    /// Download and reinstall even when the pinned version is already installed.
    #[arg(long)]
    pub force: bool,

    /// Download from this base URL instead of each tool's own host (sets tools.mirror): its
    /// scheme://host[/prefix] replaces the scheme://host of every download URL.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,

    /// Do not run fetch-chart afterwards.
    #[arg(long)]
    pub no_chart: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FetchChartArgs {
    /// Check out this commit, tag or branch instead of the pinned one.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}
