//! The command layer: one file per subcommand, each parsing its arguments into calls of the
//! services (cluster, release, seed, secrets, tools, k8s) and printing what they report. Services
//! never import from here.

mod completions;
mod config;
mod db;
mod doctor;
mod edit_cloud_values;
mod fetch_chart;
mod images;
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

/// Runs the parsed command line. Commands pay only for what they use: `config`, `completions`,
/// `sops` and `edit-cloud-values` run on the main thread with no async runtime (a KMS key starts
/// its own small one when it is used); the others, which talk to Docker, Kubernetes or the network,
/// get the multi-thread runtime and the TLS provider.
pub fn run(cli: Cli, output: Output) -> anyhow::Result<()> {
    if handles_secrets(&cli.command) {
        for problem in crate::platform::dump_protection::forbid_dumps() {
            output.verbose(problem);
        }
    }
    let global = &cli.global;
    match &cli.command {
        Command::Config(args) => config::run(global, args, output),
        Command::Completions(args) => completions::run(args),
        Command::EditCloudValues(args) => edit_cloud_values::run(global, args, output),
        Command::Sops(args) => sops::run(global, args, output),
        Command::Doctor(args) => block_on(doctor::run(global, args, output)),
        Command::InstallTools(args) => block_on(install_tools::run(global, args, output)),
        Command::FetchChart(args) => block_on(fetch_chart::run(global, args, output)),
        Command::SetupInfra(args) => block_on(setup_infra::run(global, args, output)),
        Command::SeedDb(args) => block_on(seed::run(global, args, output)),
        Command::Status(args) => block_on(status::run(global, args, output)),
        Command::Teardown(args) => block_on(lifecycle::teardown(global, args, output)),
        Command::Stop => block_on(lifecycle::stop(global, output)),
        Command::Start => block_on(lifecycle::start(global, output)),
        Command::PortForward(args) => block_on(port_forward::run(global, args, output)),
        Command::Logs(args) => block_on(logs::run(global, args, output)),
        Command::Open(args) => block_on(open::run(global, args, output)),
        Command::Db(args) => block_on(db::run(global, args, output)),
        Command::Images(args) => block_on(images::run(global, args, output)),
    }
}

/// Runs an async command on a multi-thread runtime built for it, with rustls' ring provider
/// installed (the HTTP, Docker and Kubernetes clients take the process default).
fn block_on(command: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| anyhow::anyhow!("cannot start the async runtime: {err}"))?;
    // A panic unwinds to main, but only after the runtime is shut down here (below).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(command)));
    // Blocking threads (a child being killed) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Commands that decrypt values or read secrets: no core file, no same-user ptrace while they run.
fn handles_secrets(command: &Command) -> bool {
    matches!(
        command,
        Command::SetupInfra(_)
            | Command::SeedDb(_)
            | Command::Status(_)
            | Command::Db(_)
            | Command::Images(_)
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

/// The values helm gets for `env` (dev: the plain file; cloud: decrypted in memory), then each
/// `-f/--values` file and the `--set` values, as `setup-infra` and `ssp images` both take them.
fn values_for(
    ctx: &Context,
    env: crate::cli::Environment,
    extra_values: &[std::path::PathBuf],
    sets: &[String],
) -> anyhow::Result<crate::release::values::ValuesSet> {
    let (project, config) = (&ctx.project, &ctx.project.config);
    let mut values = crate::release::values::ValuesSet::default();
    match env {
        crate::cli::Environment::Dev => values.add_file(
            project.path(&config.values.dev),
            config.values.dev.display().to_string(),
            "set [values] dev in ssp.toml",
        )?,
        crate::cli::Environment::Cloud => values.add_encrypted(
            &project.path(&config.values.cloud),
            config.values.cloud.display().to_string(),
            &ctx.runner,
        )?,
    }
    for extra in extra_values {
        let path = std::env::current_dir()?.join(extra);
        values.add_file(path, extra.display().to_string(), "check the path given to -f/--values")?;
    }
    values.apply_sets(sets)?;
    Ok(values)
}
