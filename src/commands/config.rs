//! `ssp config`: the resolved configuration with the origin of each value.

use crate::cli::{ConfigArgs, Format, GlobalArgs};
use crate::platform::output::{Output, print_data};

pub fn run(global: &GlobalArgs, args: &ConfigArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let project = &ctx.project;
    match args.output {
        Format::Text => {
            print_data(&format!("# project root: {}\n{}", project.root.display(), project.render_toml()))?;
        }
        Format::Json => print_data(&(serde_json::to_string_pretty(&project.render_json())? + "\n"))?,
    }
    Ok(())
}
