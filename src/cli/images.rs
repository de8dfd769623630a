//! `ssp images`' arguments: the verbs and the values choice they share.

use clap::{Args, Subcommand, ValueEnum};

use super::Environment;

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true, mut_subcommands = super::verbatim_examples)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub verb: Option<ImagesVerb>,

    /// `ssp images` alone lists them (`ssp images list`).
    #[command(flatten)]
    pub list: ImagesListArgs,
}

#[derive(Debug, Clone, Subcommand)]
#[command(defer = true)]
pub enum ImagesVerb {
    /// The images and where each one is (the default).
    #[command(after_help = "\
Examples:
  ssp images list
  ssp images list --check-remote -o json")]
    List(ImagesListArgs),

    /// Pull into the host's Docker the images it lacks (in parallel, a progress bar each), then load
    /// into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created
    /// later finds them there and downloads nothing.
    #[command(after_help = "\
Examples:
  ssp images pull
  ssp images pull --env cloud
  SSP_REGISTRY_USER=me SSP_REGISTRY_TOKEN=ghp_… ssp images pull
  ssp images pull --no-import       only the host's Docker

Credentials: SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN for [registry] host, else your Docker config.
Exits 1 naming every image that could not be pulled (the others are still loaded). `[images]
preload = true` in ssp.toml makes setup-infra do this before the helm install.")]
    Pull(ImagesPullArgs),

    /// Copy every image the release uses into REGISTRY/PREFIX with the same repository path and
    /// tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch
    /// indexes and digests kept, blobs and manifests already there skipped, blobs streamed.
    /// Then says which `image.repository` values would change to use the mirror.
    #[command(after_help = "\
Examples:
  ssp images mirror --to ghcr.io/uw-thinklab/mirror
  ssp images mirror --to registry.example.org/supabase --upstream
  ssp --dry-run images mirror --to 127.0.0.1:5000/m   say what would be copied, copy nothing

`kong:2.8.1` goes to REGISTRY/PREFIX/kong:2.8.1, `ghcr.io/a/b:1` to REGISTRY/PREFIX/a/b:1.
Exits 1 naming every image that could not be copied; an image's manifest is pushed only after all
its blobs are there.")]
    Mirror(ImagesMirrorArgs),
}

// Which values the images come from. (A plain comment: an `Args` struct's doc comment would
// become the `about` of the command its arguments are added to; see cli/sops.rs.)
#[derive(Debug, Clone, Args)]
pub struct ImagesValuesArgs {
    /// The values set whose images to take.
    #[arg(long, value_enum, default_value_t = Environment::Dev)]
    pub env: Environment,

    /// Extra values file, after the environment's (repeatable).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub extra_values: Vec<std::path::PathBuf>,

    /// Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ImagesListArgs {
    #[command(flatten)]
    pub values: ImagesValuesArgs,

    /// Also ask each image's registry whether it resolves (a manifest HEAD).
    #[arg(long)]
    pub check_remote: bool,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ImagesFormat::Text)]
    pub output: ImagesFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ImagesPullArgs {
    #[command(flatten)]
    pub values: ImagesValuesArgs,

    /// Only pull into the host's Docker; load nothing into the cluster.
    #[arg(long)]
    pub no_import: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ImagesMirrorArgs {
    #[command(flatten)]
    pub values: ImagesValuesArgs,

    /// The registry and path to copy into, e.g. ghcr.io/uw-thinklab/mirror.
    #[arg(long, value_name = "REGISTRY/PREFIX")]
    pub to: String,

    /// Mirror the chart's own default images for the same components instead of the values' ones
    /// (how a team builds its mirror from the upstream projects).
    #[arg(long)]
    pub upstream: bool,
}

/// `ssp images` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ImagesFormat {
    #[default]
    Text,
    Json,
}
