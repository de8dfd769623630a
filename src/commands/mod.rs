//! One file per subcommand: each turns parsed arguments into calls of the services and prints the
//! result. No work lives here.

mod completions;
mod config;
mod doctor;
mod edit_cloud_values;
mod fetch_chart;
mod install_tools;
mod lifecycle;
mod port_forward;
mod seed;
mod setup_infra;
mod sops;
mod status;

use crate::cli::{Cli, Command};
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
        Command::Teardown(args) => lifecycle::teardown(&cli.global, args, output),
        Command::Stop => lifecycle::stop(&cli.global, output),
        Command::Start => lifecycle::start(&cli.global, output),
        Command::PortForward(args) => port_forward::run(&cli.global, args, output).await,
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
            | Command::EditCloudValues(_)
            | Command::Sops(_)
    )
}
