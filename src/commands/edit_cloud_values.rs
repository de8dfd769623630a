//! `ssp edit-cloud-values [FILE]`: `sops edit` on the project's encrypted cloud values (see
//! [`crate::secrets::edit`]), with the project root's `.sops.yaml` for the output layout.

use crate::cli::{EditCloudValuesArgs, GlobalArgs};
use crate::exit::StatusError;
use crate::platform::output::Output;
use crate::secrets::edit::EditTarget;
use crate::sops::{Format, SopsConfig, StoreOptions};

pub fn run(global: &GlobalArgs, args: &EditCloudValuesArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let path = match &args.file {
        Some(f) if f.is_absolute() => f.clone(),
        Some(f) => std::env::current_dir()?.join(f),
        None => ctx.project.path(&ctx.project.config.values.cloud),
    };
    let sops_yaml = ctx.project.root.join(".sops.yaml");
    let store_options = if sops_yaml.is_file() {
        SopsConfig::load(&sops_yaml).map_err(|e| StatusError { message: e.to_string(), status: e.exit_code() })?.stores
    } else {
        StoreOptions::default()
    };
    let target =
        EditTarget { format: Format::from_path(&path), path, store_options, ignore_mac: args.ignore_mac, create: None };
    super::sops::run_edit(&target, &ctx.runner, &ctx.output)
}
