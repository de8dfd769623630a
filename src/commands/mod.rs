//! The command layer: one file per subcommand, each parsing its arguments into calls of the
//! services (cluster, release, seed, secrets, tools, k8s) and printing what they report. Services
//! never import from here.

mod completions;
mod config;
mod db;
mod doctor;
mod edit_cloud_values;
mod fetch_chart;
mod install_tools;
mod lifecycle;
mod logs;
mod open;
mod port_forward;
mod seed;
mod setup_infra;
mod sops;
mod status;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{ConfigError, FlagOverride, LoadOptions};
use crate::context::Context;
use crate::platform::output::Output;

pub use completions::render as render_completions;

/// Runs the parsed command line.
pub async fn run(cli: Cli, output: Output) -> anyhow::Result<()> {
    if handles_secrets(&cli.command) {
        for problem in crate::platform::dump_protection::forbid_dumps() {
            output.verbose(problem);
        }
    }
    match &cli.command {
        Command::Config(args) => config::run(&cli.global, args, output),
        Command::Doctor(args) => doctor::run(&cli.global, args, output).await,
        Command::InstallTools(args) => install_tools::run(&cli.global, args, output).await,
        Command::FetchChart(args) => fetch_chart::run(&cli.global, args, output).await,
        Command::Completions(args) => completions::run(args),
        Command::SetupInfra(args) => setup_infra::run(&cli.global, args, output).await,
        Command::SeedDb(args) => seed::run(&cli.global, args, output).await,
        Command::Status(args) => status::run(&cli.global, args, output).await,
        Command::Teardown(args) => lifecycle::teardown(&cli.global, args, output).await,
        Command::Stop => lifecycle::stop(&cli.global, output).await,
        Command::Start => lifecycle::start(&cli.global, output).await,
        Command::PortForward(args) => port_forward::run(&cli.global, args, output).await,
        Command::Logs(args) => logs::run(&cli.global, args, output).await,
        Command::Open(args) => open::run(&cli.global, args, output).await,
        Command::Db(args) => db::run(&cli.global, args, output).await,
        Command::EditCloudValues(args) => {
            let (global, args) = (cli.global.clone(), args.clone());
            crate::platform::blocking::run(move || edit_cloud_values::run(&global, &args, output)).await
        }
        Command::Sops(args) => {
            let (global, args) = (cli.global.clone(), args.clone());
            crate::platform::blocking::run(move || sops::run(&global, &args, output)).await
        }
    }
}

/// Commands that decrypt values or read secrets: no core file, no same-user ptrace while they run.
fn handles_secrets(command: &Command) -> bool {
    matches!(
        command,
        Command::SetupInfra(_)
            | Command::SeedDb(_)
            | Command::Status(_)
            | Command::Db(_)
            | Command::EditCloudValues(_)
            | Command::Sops(_)
    )
}

/// Loads the project for a command from the global flags; `overrides` are the command's own flags
/// that set config keys.
fn load(global: &GlobalArgs, overrides: Vec<FlagOverride>, output: Output) -> Result<Context, ConfigError> {
    let options =
        LoadOptions { project_dir: global.project_dir.clone(), config_file: global.config.clone(), overrides };
    Context::load(&options, global.dry_run, output)
}
