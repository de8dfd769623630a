//! The plaintext production values the old `decrypt-supabase-cloud-values` task left beside the
//! encrypted file: said, and on a terminal offered for deletion.

use std::path::Path;

use anyhow::Context as _;

use crate::platform::output::Output;
use crate::platform::prompt;

/// Where the old task wrote the decrypted values, relative to the project root.
pub const LEFTOVER_DECRYPTED: &str = "deployment/values.cloud.decrypted.yaml";

/// Warns about the leftover plaintext under `root`, and offers to delete it when a person can be
/// asked (never in a dry run).
pub fn warn_about_leftover_plaintext(root: &Path, output: &Output, dry_run: bool) -> anyhow::Result<()> {
    let leftover = root.join(LEFTOVER_DECRYPTED);
    if !leftover.exists() {
        return Ok(());
    }
    output.warn(format!("{} holds decrypted production values left by the old pixi tasks", leftover.display()));
    if prompt::can_ask() && !dry_run && prompt::confirm("Delete it now?")? {
        std::fs::remove_file(&leftover).with_context(|| format!("cannot delete {}", leftover.display()))?;
        output.done(format!("deleted {}", leftover.display()));
        return Ok(());
    }
    output.hint(format!("delete it (`rm {}`): ssp never needs a decrypted copy", leftover.display()));
    Ok(())
}
