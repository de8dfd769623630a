//! The command line: clap types only. Doc comments are the help text (`--help`, completions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::platform::output::ColorChoice;

const AFTER_HELP: &str = "\
Examples:
  ssp doctor                      check Docker, tools, ports, chart and disk
  ssp edit-cloud-values           edit the SOPS-encrypted production values
  ssp sops -d deployment/values.cloud.yaml
  ssp config                      show the resolved configuration and where each value came from
  ssp -C ~/src/resilience config -o json
  ssp completions zsh > ~/.zfunc/_ssp

Exit status:
  0    success
  1    the operation failed
  2    usage or configuration error
  130  interrupted (Ctrl-C or SIGTERM)

Configuration: ssp.toml at the project root, overridden by --config FILE,
then by SSP_<SECTION>_<KEY> environment variables (e.g. SSP_CLUSTER_NAME),
then by flags. `ssp config` shows the result.";

/// The command line as `ssp` parses it: [`Cli`]'s, with every command's examples (its
/// `after_help`) printed verbatim. clap's `wrap_help` re-flows `after_help` to the terminal width,
/// which broke example commands mid-line; literal text of a help template is never re-flowed, so
/// the examples go there (the man page still reads `after_help`). Argument help still wraps.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    verbatim_examples(Cli::command())
}

fn verbatim_examples(mut command: clap::Command) -> clap::Command {
    if let Some(text) = command.get_after_help().map(ToString::to_string) {
        // clap's default template, with the after-help text as literal text. (`{` starts a
        // template tag: `{"a":1}` passes through as an unknown tag; a test checks every line.)
        let template =
            format!("{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{{all-args}}\n\n{text}");
        command = command.help_template(template);
    }
    let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    names.into_iter().fold(command, |command, name| command.mut_subcommand(name, verbatim_examples))
}

/// Run the Support Sphere backend: pinned tools, a local k3d cluster with Supabase,
/// SOPS-encrypted production values and database seeding, in one binary.
#[derive(Debug, Parser)]
#[command(name = "ssp", version, propagate_version = true, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Use DIR as the project root instead of searching upward from the current folder for the
    /// nearest folder holding ssp.toml or a deployment/ folder.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,

    /// Read settings from FILE on top of the project's ssp.toml (under `ssp sops`: FILE is the
    /// .sops.yaml to use).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Say more: -v shows every command and API call ssp makes, -vv adds debugging detail.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Say less: only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print every external command and API call that would change something, and do nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Plain log lines instead of progress bars (automatic when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// When to use colour (NO_COLOR in the environment means never, unless --color always).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the resolved configuration, each value with where it came from.
    #[command(after_help = "\
Examples:
  ssp config                      annotated TOML: `name = \"pdc-cluster\"  # default`
  ssp config -o json | jq -r .config.cluster.name
  SSP_CLUSTER_NAME=test ssp config   environment variables override ssp.toml")]
    Config(ConfigArgs),

    /// Check that this machine can run the stack: Docker, tools, ports, chart, disk.
    #[command(after_help = "\
Examples:
  ssp doctor
  ssp doctor -o json | jq '.checks[] | select(.status != \"ok\")'

Exits 1 when a required check fails.")]
    Doctor(DoctorArgs),

    /// Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait
    /// until every workload is ready and the API answers.
    #[command(after_help = "\
Examples:
  ssp setup-infra                          dev stack on a local k3d cluster, then a summary
  ssp setup-infra --env cloud              values decrypted in memory and passed to helm on stdin
  ssp setup-infra --recreate --timeout 15m delete and recreate the cluster first
  ssp setup-infra --set studio.environment.STUDIO_DEFAULT_PROJECT=Demo
  ssp --dry-run setup-infra                print every command and API call, change nothing

Never deletes a healthy cluster unless --recreate. Exits 1 naming the stuck workloads, their pods'
reasons, events and log tails when the stack does not come up.")]
    SetupInfra(SetupInfraArgs),

    /// Show the cluster, the release, each workload's readiness, and how to reach Supabase.
    #[command(after_help = "\
Examples:
  ssp status
  ssp status -o json | jq .ready
  ssp status -o env --write ../app/.env     SUPABASE_URL / SUPABASE_ANON_KEY for the Flutter app
  ssp status --show-secrets

Exits 0 only when the cluster runs and every workload of the release is ready.")]
    Status(StatusArgs),

    /// Delete the local k3d cluster and its data, or only uninstall the release.
    #[command(
        visible_alias = "down",
        after_help = "\
Examples:
  ssp teardown                    asks before deleting the cluster (on a terminal)
  ssp down --yes                  no question
  ssp teardown --keep-cluster     `helm uninstall` only; the cluster and its images stay

With cluster.provider = \"existing\" only the release is uninstalled."
    )]
    Teardown(TeardownArgs),

    /// Stop the k3d cluster: keeps its data, frees the host ports.
    #[command(after_help = "\
Examples:
  ssp stop
  ssp start")]
    Stop,

    /// Start a stopped k3d cluster again.
    #[command(after_help = "\
Examples:
  ssp start
  ssp setup-infra                 also starts a stopped cluster")]
    Start,

    /// Forward a local port to a service of the release through the Kubernetes API (no kubectl).
    #[command(after_help = "\
Examples:
  ssp port-forward                Postgres on localhost:5432
  ssp port-forward kong --port 8000
  ssp port-forward supabase-supabase-studio --port 3000

Runs until Ctrl-C.")]
    PortForward(PortForwardArgs),

    /// Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only
    /// when the Job completed.
    #[command(
        visible_alias = "seed",
        after_help = "\
Examples:
  ssp seed                        build, import, run, follow the log, report the result
  ssp seed --no-build             run the image as configured ([seed] image)
  ssp seed --keep-job             leave the finished Job for `kubectl describe`
  ssp --dry-run seed              print the build, the import and the objects it would create"
    )]
    SeedDb(SeedArgs),
    /// Download the pinned k3d and helm (kubectl when asked) into the project's tools dir, verified
    /// against their pinned SHA-256; then fetch the chart.
    ///
    /// Tools already installed at the pinned version are skipped without any network request.
    /// Downloads run in parallel, are retried on transient failures, and a tool is only put in place
    /// once its checksum and version check out. With no TOOL, installs the tools whose
    /// `[tools.<name>] enabled` is true (k3d and helm by default).
    #[command(after_help = "\
Examples:
  ssp install-tools                       k3d and helm into .ssp/bin, then the chart
  ssp install-tools kubectl --no-chart    only kubectl
  ssp install-tools --force helm          download and reinstall helm
  ssp install-tools --mirror https://artifacts.example.org/github
  SSP_TOOLS_MIRROR=https://mirror.example ssp install-tools

The pins (version, URL, SHA-256 per platform) are under [tools] in `ssp config`.")]
    InstallTools(InstallToolsArgs),

    /// Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml.
    ///
    /// In a git work tree that records the chart as a submodule: `git submodule update --init`. Otherwise
    /// (an unpacked tarball): a clone of `chart.repo` at `chart.rev`. Nothing is fetched when the
    /// checkout is already at the commit. Your git configuration applies, so
    /// `git config url.<mirror>.insteadOf <chart.repo>` redirects the download.
    #[command(after_help = "\
Examples:
  ssp fetch-chart                         the commit the project pins
  ssp fetch-chart --rev supabase-0.3.0    another commit, tag or branch of the chart
  git config --global url.https://git.example.org/supabase-kubernetes.insteadOf \\
      https://github.com/supabase-community/supabase-kubernetes && ssp fetch-chart")]
    FetchChart(FetchChartArgs),

    /// Print shell completions for SHELL to stdout.
    #[command(after_help = "\
Examples:
  ssp completions bash > ~/.local/share/bash-completion/completions/ssp
  ssp completions zsh > ~/.zfunc/_ssp
  ssp completions fish > ~/.config/fish/completions/ssp.fish")]
    Completions(CompletionsArgs),

    /// Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like
    /// `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key
    /// and replaced atomically when you save a valid change.
    #[command(after_help = "\
Examples:
  ssp edit-cloud-values                            deployment/values.cloud.yaml in $SOPS_EDITOR/$EDITOR/vi
  EDITOR='code' ssp edit-cloud-values              VS Code (--wait is added for you)
  SOPS_AGE_KEY_FILE=deployment/example.agekey ssp edit-cloud-values
  ssp edit-cloud-values deployment/values.staging.yaml

The plaintext lives only in a 0600 file inside a fresh 0700 directory on a memory filesystem
($XDG_RUNTIME_DIR, else /dev/shm, else the temp dir), removed on every exit path. Output formatting
follows the .sops.yaml at the project root. Keys: see `ssp sops --help`.

Exit status (sops' table):
  0    saved
  1    the edited file was invalid (not on a terminal) or the edit was abandoned; nothing written
  2    the file could not be read or parsed
  3    the file's folder is not writable, so no edit could be saved; nothing decrypted
  51   MAC mismatch (the file was tampered with)
  128  no master key of the file could be used here
  130  interrupted (Ctrl-C or SIGTERM); nothing written
  200  the file was not changed; nothing written
  201  the editor could not be run or exited with an error; nothing written")]
    EditCloudValues(EditCloudValuesArgs),

    /// Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset,
    /// updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`,
    /// `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the
    /// first .sops.yaml found walking up from the current directory).
    #[command(after_help = SOPS_AFTER_HELP)]
    Sops(Box<SopsArgs>),
}

const SOPS_AFTER_HELP: &str = "\
Examples:
  ssp sops -d deployment/values.cloud.yaml        decrypt to stdout (sops -d)
  ssp sops decrypt --extract '[\"secret\"][\"db\"]' deployment/values.cloud.yaml
  ssp sops encrypt --age age1… -i secrets.yaml     encrypt in place for an age recipient
  ssp sops edit deployment/values.cloud.yaml
  ssp sops set values.enc.yaml '[\"db\"][\"password\"]' '\"s3cret\"'
  ssp sops updatekeys -y deployment/values.cloud.yaml   re-wrap the data key for .sops.yaml's rule
  ssp sops filestatus deployment/values.cloud.yaml      {\"encrypted\":true}

Keys, as sops finds them: age identities from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD
(run only when an age key needs it) and ~/.config/sops/age/keys.txt; PGP through gpg (GNUPGHOME,
SOPS_GPG_EXEC; GPG_TTY is set from the terminal when unset); AWS KMS keys through the AWS SDK's
usual credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws; AWS_ENDPOINT_URL_KMS for another
endpoint). GCP KMS, Azure Key Vault and HashiCorp Vault keys are kept in files untouched but cannot
be used by this build.

.sops.yaml: the first one walking up from the current directory, or the global --config FILE.
`encrypt` names the .sops.yaml and the recipients on stderr when a creation rule chose them.

Exit status (sops' cmd/sops/codes):
  0    success
  1    generic error (also: the --config .sops.yaml cannot be read, an empty key group, a set
       path through a value of another kind, sops publish/keyservice)
  2    the input could not be read or parsed
  3    the output could not be written
  5    .sops.yaml is invalid
  7    invalid set/unset index, or a set VALUE that is not JSON
  8    conflicting flags (--in-place with --output)
  24   the MAC could not be decrypted (tampered MAC or lastmodified)
  25   a value could not be decrypted (tampered value)
  51   MAC mismatch
  52   MAC not found (use --ignore-mac)
  61   no .sops.yaml found
  91   invalid tree path (--extract, set, unset)
  92   the file to encrypt is empty
  100  no such file
  111  no master keys to encrypt with
  128  the data key could not be retrieved with any master key
  130  interrupted
  200  the file was not modified (edit)
  201  the editor could not be run
  203  the file is already encrypted";

/// Machine-readable or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which values set to deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Environment {
    /// `values.dev` (plain), to the project's k3d cluster.
    #[default]
    Dev,
    /// `values.cloud` (SOPS-encrypted), decrypted in memory only.
    Cloud,
}

#[derive(Debug, Clone, Args)]
pub struct SetupInfraArgs {
    /// The values set to deploy.
    #[arg(long, value_enum, default_value_t = Environment::Dev)]
    pub env: Environment,

    /// Delete the k3d cluster first and create it anew (its data is lost).
    #[arg(long)]
    pub recreate: bool,

    /// How long to wait for the release to be ready (e.g. 10m, 90s; from 1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::platform::duration::parse)]
    pub timeout: std::time::Duration,

    /// How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails (1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::platform::duration::parse)]
    pub grace: std::time::Duration,

    /// Extra values file, after the environment's (repeatable).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub extra_values: Vec<std::path::PathBuf>,

    /// Extra `helm --set KEY=VALUE` (repeatable): merged into the values helm reads on its stdin,
    /// never on helm's command line; masked in logs.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Deploy to this kube context (needed to send dev values anywhere but the project's k3d cluster).
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,

    /// Treat values keys the pinned chart does not know as errors, not warnings.
    #[arg(long)]
    pub strict: bool,

    /// Print passwords and the service key in the summary instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
}

/// `ssp status` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum StatusFormat {
    #[default]
    Text,
    Json,
    /// `KEY=value` lines for .env files.
    Env,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,

    /// With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub write: Option<std::path::PathBuf>,

    /// Print passwords and the service key instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TeardownArgs {
    /// Do not ask before deleting the cluster.
    #[arg(short, long)]
    pub yes: bool,

    /// Only uninstall the release; keep the cluster.
    #[arg(long)]
    pub keep_cluster: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PortForwardArgs {
    /// `db`, `kong`, `studio`, or the name of any Service of the release.
    #[arg(default_value = "db")]
    pub service: String,

    /// Local port (default: the service's own port).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Local address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub address: std::net::IpAddr,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Do not build: run [seed] image as it is.
    #[arg(long)]
    pub no_build: bool,

    /// How long the Job may run (default: [seed] timeout; from 1s to 7d).
    #[arg(long, value_name = "DURATION", value_parser = crate::platform::duration::parse)]
    pub timeout: Option<std::time::Duration>,

    /// How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::platform::duration::parse)]
    pub grace: std::time::Duration,

    /// Leave the finished Job (and its pod) in the cluster for inspection.
    #[arg(long)]
    pub keep_job: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InstallToolsArgs {
    /// Tools to install (default: those enabled in [tools], i.e. k3d and helm).
    #[arg(value_enum, value_name = "TOOL")]
    pub tools: Vec<crate::tools::ToolName>,

    /// Download and reinstall even when the pinned version is already installed.
    #[arg(long)]
    pub force: bool,

    /// Download from this base URL instead of each tool's own host (sets tools.mirror): its
    /// scheme://host[/prefix] replaces the scheme://host of every download URL.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,

    /// Do not run fetch-chart afterwards.
    #[arg(long)]
    pub no_chart: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FetchChartArgs {
    /// Check out this commit, tag or branch instead of the pinned one.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct EditCloudValuesArgs {
    /// The encrypted values file (default: `values.cloud` from the configuration,
    /// deployment/values.cloud.yaml).
    pub file: Option<PathBuf>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,
}

/// The file formats sops reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SopsFormat {
    Yaml,
    Json,
    Dotenv,
    Ini,
    Binary,
}

/// `--input-type` / `--output-type`.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsTypes {
    /// Input format (default: from the file's extension; anything else is binary).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// Output format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub output_type: Option<SopsFormat>,
}

/// Where the result goes: stdout (default), `--in-place`, or `--output FILE`.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsWrite {
    /// Write the result back to FILE (atomically: a temp file beside it, then a rename).
    #[arg(short = 'i', long)]
    pub in_place: bool,

    /// Write the result to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Recipients and encryption rules for new files (default: the matching .sops.yaml creation rule).
#[derive(Debug, Clone, Default, Args)]
pub struct SopsRecipients {
    /// Comma-separated age recipients (age1…).
    #[arg(short = 'a', long, env = "SOPS_AGE_RECIPIENTS", value_name = "RECIPIENTS", hide_env_values = true)]
    pub age: Option<String>,

    /// Comma-separated PGP fingerprints.
    #[arg(short = 'p', long, env = "SOPS_PGP_FP", value_name = "FINGERPRINTS", hide_env_values = true)]
    pub pgp: Option<String>,

    /// Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role).
    #[arg(short = 'k', long, env = "SOPS_KMS_ARN", value_name = "ARNS", hide_env_values = true)]
    pub kms: Option<String>,

    #[command(flatten)]
    pub kms_options: SopsKmsOptions,

    /// Keys ending in this suffix stay unencrypted (default `_unencrypted`).
    #[arg(long, value_name = "SUFFIX")]
    pub unencrypted_suffix: Option<String>,

    /// Only keys ending in this suffix are encrypted.
    #[arg(long, value_name = "SUFFIX")]
    pub encrypted_suffix: Option<String>,

    /// Keys matching this regex stay unencrypted.
    #[arg(long, value_name = "REGEX")]
    pub unencrypted_regex: Option<String>,

    /// Only keys matching this regex are encrypted.
    #[arg(long, value_name = "REGEX")]
    pub encrypted_regex: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsArgs {
    #[command(subcommand)]
    pub verb: Option<SopsVerb>,

    /// Legacy form of `decrypt`: `ssp sops -d FILE`.
    #[arg(short = 'd', long = "decrypt", conflicts_with_all = ["encrypt", "rotate"])]
    pub decrypt: bool,

    /// Legacy form of `encrypt`: `ssp sops -e FILE`.
    #[arg(short = 'e', long = "encrypt", conflicts_with = "rotate")]
    pub encrypt: bool,

    /// Legacy form of `rotate`: `ssp sops -r FILE`.
    #[arg(short = 'r', long = "rotate")]
    pub rotate: bool,

    /// Legacy form of `set`: `ssp sops --set '["key"] "value"' FILE` sets the value in place.
    #[arg(long = "set", value_name = "'PATH VALUE'", conflicts_with_all = ["decrypt", "encrypt", "rotate"])]
    pub set: Option<String>,

    #[command(flatten)]
    pub types: SopsTypes,

    #[command(flatten)]
    pub write: SopsWrite,

    /// With -d: print only this part of the document, e.g. '["secret"]["db"]'.
    #[arg(long, value_name = "PATH")]
    pub extract: Option<String>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    #[command(flatten)]
    pub recipients: SopsRecipients,

    /// With -r: master keys to add or remove.
    #[command(flatten)]
    pub rotate_keys: SopsRotateKeys,

    /// The file (without -d/-e/-r: edit it).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SopsVerb {
    /// Decrypt a file (or stdin) and print the plaintext.
    #[command(after_help = "\
Examples:
  ssp sops decrypt deployment/values.cloud.yaml
  ssp sops decrypt --output-type json values.enc.yaml
  ssp sops decrypt --extract '[\"secret\"][\"db\"][\"password\"]' values.enc.yaml
  cat values.enc.yaml | ssp sops decrypt --input-type yaml --output-type yaml")]
    Decrypt(SopsDecryptArgs),

    /// Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule.
    #[command(after_help = "\
Examples:
  ssp sops encrypt --age age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p values.yaml
  ssp sops encrypt -i deployment/values.cloud.yaml   recipients from .sops.yaml
  ssp sops encrypt --pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 --output secrets.enc.yaml secrets.yaml")]
    Encrypt(SopsEncryptArgs),

    /// Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`).
    #[command(after_help = "\
Examples:
  ssp sops edit deployment/values.cloud.yaml
  EDITOR='code' ssp sops edit secrets.enc.json

Exits 200 when the file was not changed, 201 when the editor failed; nothing is written then.")]
    Edit(SopsEditArgs),

    /// Set the value at INDEX (sops' path syntax) to VALUE (JSON) and re-encrypt the file in place.
    #[command(after_help = "\
Examples:
  printf '\"s3cret\"' | ssp sops set --value-stdin values.enc.yaml '[\"db\"][\"password\"]'
  ssp sops set values.enc.yaml '[\"replicas\"]' 3

A VALUE on the command line is visible to every user of the machine (ps, /proc/<pid>/cmdline):
pass secrets with --value-stdin.")]
    Set(SopsSetArgs),

    /// Remove the key at INDEX and re-encrypt the file in place.
    #[command(after_help = "\
Examples:
  ssp sops unset values.enc.yaml '[\"db\"][\"password\"]'
  ssp sops unset --idempotent values.enc.yaml '[\"gone\"]'")]
    Unset(SopsUnsetArgs),

    /// Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule.
    #[command(after_help = "\
Examples:
  ssp sops updatekeys deployment/values.cloud.yaml       shows the change, asks before writing
  ssp sops updatekeys -y deployment/values.cloud.yaml    no question (scripts)")]
    Updatekeys(SopsUpdatekeysArgs),

    /// Generate a new data key and re-encrypt every value with it.
    #[command(after_help = "\
Examples:
  ssp sops rotate -i deployment/values.cloud.yaml
  ssp sops rotate values.enc.yaml > rotated.enc.yaml
  ssp sops rotate -i --add-age age1bob… --rm-age age1alice… deployment/values.cloud.yaml")]
    Rotate(SopsRotateArgs),

    /// Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}.
    #[command(after_help = "\
Examples:
  ssp sops filestatus deployment/values.cloud.yaml
  ssp sops filestatus values.yaml | jq .encrypted")]
    Filestatus(SopsFilestatusArgs),

    /// Run COMMAND (through /bin/sh -c) with FILE's top-level keys as environment variables.
    #[command(
        name = "exec-env",
        after_help = "\
Examples:
  ssp sops exec-env secrets.enc.env 'psql \"$DATABASE_URL\"'
  ssp sops exec-env --pristine secrets.enc.yaml 'env'

The command's exit status is ssp's; Ctrl-C and SIGTERM reach it. Keys must be scalars (no nested
maps or lists) without '='."
    )]
    ExecEnv(SopsExecEnvArgs),

    /// Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO
    /// by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo.
    #[command(
        name = "exec-file",
        after_help = "\
Examples:
  ssp sops exec-file deployment/values.cloud.yaml 'helm template x chart -f {}'
  ssp sops exec-file --no-fifo --filename values.yaml secrets.enc.yaml 'kubectl apply -f {}'
  ssp sops exec-file --output-type json secrets.enc.yaml 'jq .db {}'

The FIFO or file lives in a private 0700 directory on a memory filesystem when there is one and is
removed on every exit path (Ctrl-C and SIGTERM included). The command's exit status is ssp's."
    )]
    ExecFile(SopsExecFileArgs),

    /// Not part of ssp: answered in one line (use the sops binary).
    #[command(
        hide = true,
        after_help = "Examples:\n  sops publish FILE      the sops binary does this; ssp has no publish destinations"
    )]
    Publish(SopsUnsupportedArgs),

    /// Not part of ssp: answered in one line (use the sops binary).
    #[command(
        hide = true,
        after_help = "Examples:\n  sops keyservice        the sops binary does this; ssp decrypts in-process"
    )]
    Keyservice(SopsUnsupportedArgs),
}

/// What `exec-env` and `exec-file` share.
#[derive(Debug, Clone, Args)]
pub struct SopsExecArgs {
    /// Start the command and return at once without waiting for it (deprecated in sops).
    #[arg(long)]
    pub background: bool,

    /// Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Input format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    /// The encrypted file.
    pub file: PathBuf,

    /// The command, run by /bin/sh -c.
    pub command: String,
}

#[derive(Debug, Clone, Args)]
pub struct SopsExecEnvArgs {
    /// Give the command only the file's keys, none of ssp's environment.
    #[arg(long)]
    pub pristine: bool,

    /// Replace ssp with the command (exec) instead of running it as a child.
    #[arg(long)]
    pub same_process: bool,

    #[command(flatten)]
    pub exec: SopsExecArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SopsExecFileArgs {
    /// Write the plaintext to a 0600 temporary file instead of a FIFO.
    #[arg(long)]
    pub no_fifo: bool,

    /// The FIFO's or file's name inside its private directory (default: tmp-file).
    #[arg(long, value_name = "NAME")]
    pub filename: Option<String>,

    /// The plaintext's format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub output_type: Option<SopsFormat>,

    #[command(flatten)]
    pub exec: SopsExecArgs,
}

/// Whatever follows a sops verb ssp does not implement.
#[derive(Debug, Clone, Args)]
pub struct SopsUnsupportedArgs {
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsDecryptArgs {
    #[command(flatten)]
    pub types: SopsTypes,

    #[command(flatten)]
    pub write: SopsWrite,

    /// Print only this part of the document, e.g. '["secret"]["db"]'.
    #[arg(long, value_name = "PATH")]
    pub extract: Option<String>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    /// Use this file name instead of FILE for picking the formats (useful with stdin).
    #[arg(long, value_name = "NAME")]
    pub filename_override: Option<PathBuf>,

    /// The encrypted file (default: stdin).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsEncryptArgs {
    #[command(flatten)]
    pub types: SopsTypes,

    #[command(flatten)]
    pub write: SopsWrite,

    #[command(flatten)]
    pub recipients: SopsRecipients,

    /// Use this file name instead of FILE for formats and the creation rule (required with stdin).
    #[arg(long, value_name = "NAME")]
    pub filename_override: Option<PathBuf>,

    /// The plaintext file (default: stdin).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsEditArgs {
    /// Input (and editing) format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    /// For a FILE that does not exist yet: who it is encrypted to (default: the .sops.yaml rule).
    #[command(flatten)]
    pub recipients: SopsRecipients,

    /// The encrypted file (created from an example document when it does not exist).
    pub file: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct SopsSetArgs {
    #[command(flatten)]
    pub types: SopsTypes,

    /// Read the value from stdin (keeps it out of the process list).
    #[arg(long, conflicts_with = "value_file")]
    pub value_stdin: bool,

    /// VALUE is a file to read the value from.
    #[arg(long)]
    pub value_file: bool,

    /// Do not write the file when the value is already set.
    #[arg(long)]
    pub idempotent: bool,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    /// The encrypted file.
    pub file: PathBuf,

    /// Where to set, in sops' syntax: '["key"]["nested"][0]'.
    pub index: String,

    /// The value as JSON ('"text"', 42, true, {"a": 1}); omitted with --value-stdin.
    #[arg(required_unless_present = "value_stdin")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsUnsetArgs {
    #[command(flatten)]
    pub types: SopsTypes,

    /// Succeed without writing when INDEX does not exist.
    #[arg(long)]
    pub idempotent: bool,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,

    /// The encrypted file.
    pub file: PathBuf,

    /// What to remove, in sops' syntax: '["key"]["nested"]'.
    pub index: String,
}

#[derive(Debug, Clone, Args)]
pub struct SopsUpdatekeysArgs {
    /// Apply the changes without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Input format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// The encrypted files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsRotateArgs {
    #[command(flatten)]
    pub types: SopsTypes,

    #[command(flatten)]
    pub write: SopsWrite,

    #[command(flatten)]
    pub keys: SopsRotateKeys,

    #[command(flatten)]
    pub kms_options: SopsKmsOptions,

    /// The encrypted file.
    pub file: PathBuf,
}

/// What new AWS KMS master keys (`--kms`, `--add-kms`) carry besides their ARN.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsKmsOptions {
    /// AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs.
    #[arg(long, value_name = "KEY:VALUE,...")]
    pub encryption_context: Option<String>,

    /// The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file.
    #[arg(long, value_name = "PROFILE")]
    pub aws_profile: Option<String>,
}

/// Master keys to add to (the first key group) or remove from a file while rotating its data key.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsRotateKeys {
    /// Add these age recipients (comma-separated).
    #[arg(long, value_name = "RECIPIENTS")]
    pub add_age: Option<String>,

    /// Remove these age recipients (comma-separated).
    #[arg(long, value_name = "RECIPIENTS")]
    pub rm_age: Option<String>,

    /// Add these PGP fingerprints (comma-separated).
    #[arg(long, value_name = "FINGERPRINTS")]
    pub add_pgp: Option<String>,

    /// Remove these PGP fingerprints (comma-separated).
    #[arg(long, value_name = "FINGERPRINTS")]
    pub rm_pgp: Option<String>,

    /// Add these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role).
    #[arg(long, value_name = "ARNS")]
    pub add_kms: Option<String>,

    /// Remove these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role).
    #[arg(long, value_name = "ARNS")]
    pub rm_kms: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SopsFilestatusArgs {
    /// Input format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// The file to check.
    pub file: PathBuf,
}
