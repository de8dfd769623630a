//! The command line: clap types only. Doc comments are the help text (`--help`, completions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::ColorChoice;

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

Configuration: ssp.toml at the project root, overridden by --config FILE, then by SSP_<SECTION>_<KEY>
environment variables (e.g. SSP_CLUSTER_NAME), then by flags. `ssp config` shows the result.";

/// ssp — run the Support Sphere backend: pinned tools, a local k3d cluster with Supabase,
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
    /// Use DIR as the project root instead of searching upward from the current folder for
    /// ssp.toml (or a deployment/ folder).
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,

    /// Read settings from FILE on top of the project's ssp.toml.
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
  51   MAC mismatch (the file was tampered with)
  128  no master key of the file could be used here
  130  interrupted (Ctrl-C or SIGTERM); nothing written
  200  the file was not changed; nothing written
  201  the editor could not be run or exited with an error; nothing written")]
    EditCloudValues(EditCloudValuesArgs),

    /// Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset,
    /// updatekeys, rotate, filestatus. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE`
    /// (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the
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
SOPS_GPG_EXEC; GPG_TTY is set from the terminal when unset). AWS KMS, GCP KMS, Azure Key Vault and
Vault keys are kept in files untouched but cannot be used by this build.

Exit status (sops' cmd/sops/codes):
  0    success
  1    generic error
  2    the input could not be read or parsed
  3    the output could not be written
  5    .sops.yaml could not be read
  7    invalid set/unset index
  8    conflicting flags (--in-place with --output)
  24   the MAC could not be decrypted (tampered MAC or lastmodified)
  25   a value could not be decrypted (tampered value)
  51   MAC mismatch
  52   MAC not found (use --ignore-mac)
  61   no .sops.yaml found
  91   invalid tree path (--extract, set, unset)
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

    /// Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this
    /// build cannot call KMS.
    #[arg(short = 'k', long, env = "SOPS_KMS_ARN", value_name = "ARNS", hide_env_values = true)]
    pub kms: Option<String>,

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
  cat values.enc.yaml | ssp sops decrypt --input-type yaml")]
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
  ssp sops set values.enc.yaml '[\"db\"][\"password\"]' '\"s3cret\"'
  ssp sops set values.enc.yaml '[\"replicas\"]' 3
  printf '\"s3cret\"' | ssp sops set --value-stdin values.enc.yaml '[\"db\"][\"password\"]'")]
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
  ssp sops rotate values.enc.yaml > rotated.enc.yaml")]
    Rotate(SopsRotateArgs),

    /// Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}.
    #[command(after_help = "\
Examples:
  ssp sops filestatus deployment/values.cloud.yaml
  ssp sops filestatus values.yaml | jq .encrypted")]
    Filestatus(SopsFilestatusArgs),
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

    /// The encrypted file.
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

    /// The encrypted file.
    pub file: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct SopsFilestatusArgs {
    /// Input format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// The file to check.
    pub file: PathBuf,
}
