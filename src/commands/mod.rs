//! One file per subcommand: each turns parsed arguments into calls of the services and prints the
//! result. No work lives here.

mod completions;
mod config;
mod doctor;
mod fetch_chart;
mod install_tools;
mod lifecycle;
mod port_forward;
mod seed;
mod setup_infra;
mod status;

use crate::cli::{Cli, Command};
use crate::output::Output;

pub use completions::render as render_completions;

/// Runs the parsed command line.
pub async fn run(cli: Cli, output: Output) -> anyhow::Result<()> {
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
    }
}
