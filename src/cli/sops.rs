//! `ssp sops`' arguments: the verbs, and the argument groups they share, each defined once here
//! and flattened (`#[command(flatten)]`) into the verbs that take it.
//!
//! The argument structs carry plain `//` comments, not doc comments: clap applies an `Args`
//! struct's doc comment as the `about` of the command its arguments are added to, and as those
//! are added when clap enters the command (deferred), after the verb's own doc comment, it would
//! replace the verb's description (`tests/cli.rs` checks every command's).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

pub(super) const SOPS_AFTER_HELP: &str = "\
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

.sops.yaml: the first one walking up from the current directory, or --config FILE given after
`sops` (`ssp sops --config FILE decrypt …` or `ssp sops decrypt --config FILE …`); `ssp --config`
before `sops` names an ssp.toml, which `ssp sops` does not read.
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

/// The file formats sops reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SopsFormat {
    Yaml,
    Json,
    Dotenv,
    Ini,
    Binary,
}

// `--input-type` / `--output-type`.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsTypes {
    /// Input format (default: from the file's extension; anything else is binary).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,

    /// Output format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub output_type: Option<SopsFormat>,
}

// `--input-type` alone, for the verbs that write no document.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsInputType {
    /// Input format (default: from the file's extension).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub input_type: Option<SopsFormat>,
}

// `--ignore-mac`, for every verb that decrypts.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsMac {
    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,
}

// Where the result goes: stdout (default), `--in-place`, or `--output FILE`.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsWrite {
    /// Write the result back to FILE (atomically: a temp file beside it, then a rename).
    #[arg(short = 'i', long)]
    pub in_place: bool,

    /// Write the result to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

// Recipients and encryption rules for new files (default: the matching .sops.yaml creation rule).
#[derive(Debug, Clone, Default, Args)]
pub struct SopsRecipients {
    /// Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones).
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
#[command(mut_subcommands = super::verbatim_examples)]
pub struct SopsArgs {
    #[command(subcommand)]
    pub verb: Option<SopsVerb>,

    /// FILE is the .sops.yaml to use, as with sops' --config (default: the first .sops.yaml found
    /// walking up from the current directory).
    #[arg(long = "config", id = "sops_config", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

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

    #[command(flatten)]
    pub mac: SopsMac,

    #[command(flatten)]
    pub recipients: SopsRecipients,

    /// With -r: master keys to add or remove.
    #[command(flatten)]
    pub rotate_keys: SopsRotateKeys,

    /// The file (without -d/-e/-r: edit it).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
#[command(defer = true)]
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

// What `exec-env` and `exec-file` share.
#[derive(Debug, Clone, Args)]
pub struct SopsExecArgs {
    /// Start the command and return at once without waiting for it (deprecated in sops).
    #[arg(long)]
    pub background: bool,

    /// Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    #[command(flatten)]
    pub input: SopsInputType,

    #[command(flatten)]
    pub mac: SopsMac,

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

// Whatever follows a sops verb ssp does not implement.
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

    #[command(flatten)]
    pub mac: SopsMac,

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

    #[command(flatten)]
    pub mac: SopsMac,

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

    #[command(flatten)]
    pub mac: SopsMac,

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

    #[command(flatten)]
    pub mac: SopsMac,

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

    #[command(flatten)]
    pub input: SopsInputType,

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

// What new AWS KMS master keys (`--kms`, `--add-kms`) carry besides their ARN.
#[derive(Debug, Clone, Default, Args)]
pub struct SopsKmsOptions {
    /// AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs.
    #[arg(long, value_name = "KEY:VALUE,...")]
    pub encryption_context: Option<String>,

    /// The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file.
    #[arg(long, value_name = "PROFILE")]
    pub aws_profile: Option<String>,
}

// Master keys to add to (the first key group) or remove from a file while rotating its data key.
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
    #[command(flatten)]
    pub input: SopsInputType,

    /// The file to check.
    pub file: PathBuf,
}
