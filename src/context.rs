//! One context object carried down from the command layer: the project, its configuration, the
//! output handle and the process runner. Commands hand services the parts they need, never the
//! whole context.

use crate::cluster::access::ClusterAccess;
use crate::config::{ConfigError, LoadOptions, Project};
use crate::platform::output::Output;
use crate::platform::runner::Runner;

pub struct Context {
    pub project: Project,
    pub output: Output,
    pub runner: Runner,
    pub dry_run: bool,
}

impl Context {
    /// Loads the project (`options` carry `-C`, `--config` and the command's own flags that set
    /// config keys) and shows the load's warnings.
    pub fn load(options: &LoadOptions, dry_run: bool, output: Output) -> Result<Context, ConfigError> {
        let project = Project::load(options)?;
        for warning in &project.warnings {
            let (message, hint) = warning.split_once("\nhint: ").unwrap_or((warning, ""));
            output.warn(message);
            if !hint.is_empty() {
                output.hint(hint);
            }
        }
        let tools_dir = project.path(&project.config.tools.dir);
        let runner = Runner::new(Some(tools_dir), dry_run, output.clone());
        Ok(Context { project, output, runner, dry_run })
    }

    /// The project's cluster, as `[cluster]` names it.
    pub fn cluster(&self) -> ClusterAccess {
        ClusterAccess::new(&self.project.config.cluster, &self.runner, self.dry_run)
    }
}
