//! One context object carried down from the command layer: the project, its configuration, the
//! output handle and the process runner.

use crate::cli::GlobalArgs;
use crate::config::{ConfigError, FlagOverride, LoadOptions, Project};
use crate::output::Output;
use crate::runner::Runner;

pub struct Context {
    pub project: Project,
    pub output: Output,
    pub runner: Runner,
    pub dry_run: bool,
}

impl Context {
    /// Loads the project for a command; `overrides` are the command's own flags that set config keys.
    pub fn load(global: &GlobalArgs, overrides: Vec<FlagOverride>, output: Output) -> Result<Context, ConfigError> {
        let options =
            LoadOptions { project_dir: global.project_dir.clone(), config_file: global.config.clone(), overrides };
        let project = Project::load(&options)?;
        let tools_dir = project.path(&project.config.tools.dir);
        let runner = Runner::new(Some(tools_dir), global.dry_run, output.clone());
        Ok(Context { project, output, runner, dry_run: global.dry_run })
    }
}
