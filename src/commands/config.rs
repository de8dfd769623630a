//! `ssp config`: the resolved configuration with the origin of each value.

use crate::cli::{ConfigArgs, Format, GlobalArgs};
use crate::context::Context;
use crate::output::Output;

pub fn run(global: &GlobalArgs, args: &ConfigArgs, output: Output) -> anyhow::Result<()> {
    let ctx = Context::load(global, Vec::new(), output)?;
    let project = &ctx.project;
    match args.output {
        Format::Text => {
            println!("# project root: {}", project.root.display());
            print!("{}", project.render_toml());
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(&project.render_json())?),
    }
    Ok(())
}
