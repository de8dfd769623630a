//! `ssp completions SHELL`: generated from the clap definitions (the same source as `--help`).

use clap_complete::Shell;

use crate::cli::CompletionsArgs;

pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    use std::io::Write;
    std::io::stdout().write_all(&render(args.shell))?;
    Ok(())
}

/// The completion script for `shell`, exactly as checked in under `completions/`.
pub fn render(shell: Shell) -> Vec<u8> {
    let mut command = crate::cli::whole_command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "ssp", &mut out);
    out
}
