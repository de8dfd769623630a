//! `ssp open [studio|api]`: the stack's URL in the desktop's browser, through the runner
//! (`xdg-open`, or `open` on macOS), or printed where nothing can be opened.

use anyhow::Context as _;

use crate::cli::{GlobalArgs, OpenArgs, OpenTarget};
use crate::platform::blocking;
use crate::platform::output::{Output, print_data};
use crate::platform::runner::{ProgramCall, RunError};
use crate::release::stack::local_endpoints;

/// The desktop's opener.
const OPENER: &str = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };

pub async fn run(global: &GlobalArgs, args: &OpenArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    // Studio is Kong's dashboard route, at the root of the same host port as the API.
    let (api_url, _) = local_endpoints(&ctx.project.config.cluster);
    let (what, url) = match args.target {
        OpenTarget::Studio => ("Studio", api_url),
        OpenTarget::Api => ("the API", api_url),
    };
    if let Some(why) = no_display() {
        print_data(&format!("{url}\n"))?;
        ctx.output.note(format!("{why}: open {url} in a browser for {what}"));
        return Ok(());
    }
    let call = ProgramCall::new(OPENER).arg(&url).interactive();
    let runner = ctx.runner.clone();
    match blocking::run(move || runner.run(&call)).await {
        Ok(_) if ctx.dry_run => Ok(()),
        Ok(_) => {
            ctx.output.done(format!("opened {what} at {url}"));
            Ok(())
        }
        Err(RunError::NotFound { .. }) => {
            print_data(&format!("{url}\n"))?;
            ctx.output.warn(format!("{OPENER} is not installed: open {url} in a browser for {what}"));
            Ok(())
        }
        Err(err) => Err(err).with_context(|| format!("cannot open {url}")),
    }
}

/// Why no browser can be opened here, if so: CI, or no display on Linux.
fn no_display() -> Option<&'static str> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        return Some("in CI (CI=true)");
    }
    if cfg!(target_os = "linux") && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Some("no display ($DISPLAY and $WAYLAND_DISPLAY are unset)");
    }
    None
}
