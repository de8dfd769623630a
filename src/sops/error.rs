//! The one error type of the SOPS engine, with sops' exit codes (`cmd/sops/codes/codes.go`).
//!
//! Messages never contain plaintext values or key material: at most key paths, key identifiers
//! (fingerprints, recipients, ARNs) and the error text of the tool that failed.

use std::fmt;

/// Why one master key could not provide (its part of) the data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFailure {
    /// The key as sops names it, e.g. `pgp:FBC7…`, `age:age1…`, `kms:arn:aws:kms:…`.
    pub key: String,
    /// A sentence saying why it failed, with a hint where one helps.
    pub reason: String,
}

/// The outcome of trying every key of one key group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFailure {
    /// Index of the key group in the file (0-based).
    pub group: usize,
    /// Every key of the group that was tried, with why it failed.
    pub keys: Vec<KeyFailure>,
}

/// Everything that can go wrong in the engine. Callers branch on the variant; the command layer
/// maps it to an exit status with [`SopsError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum SopsError {
    /// The input is not valid YAML/JSON/INI/dotenv.
    #[error("could not parse the {format} input: {message}")]
    Parse { format: &'static str, message: String },
    /// The input has no `sops` metadata: it is not an encrypted file.
    #[error("the file is not encrypted with sops (no sops metadata found)")]
    MetadataNotFound,
    /// The input is already a sops file but was given as plaintext to encrypt.
    #[error("the file is already encrypted with sops; decrypt it first or use edit/updatekeys/rotate")]
    AlreadyEncrypted,
    /// The sops metadata is present but malformed.
    #[error("the sops metadata is invalid: {0}")]
    InvalidMetadata(String),
    /// No key group could be decrypted (or not enough for the Shamir threshold).
    #[error("{}", describe_key_failure(.groups, *.threshold, *.total_groups))]
    CouldNotRetrieveKey {
        /// The groups that failed, each with every key tried.
        groups: Vec<GroupFailure>,
        /// Groups needed (1 without Shamir).
        threshold: usize,
        /// Key groups in the file.
        total_groups: usize,
    },
    /// The data key could not be encrypted for a master key.
    #[error("could not encrypt the data key for {key}: {reason}")]
    CouldNotEncryptKey { key: String, reason: String },
    /// A recipient or key identifier given for encryption is malformed.
    #[error("invalid {kind} key {key:?}: {reason}")]
    InvalidRecipient { kind: &'static str, key: String, reason: String },
    /// No master key was given for a new file.
    #[error("no master keys were given: pass recipients or add a creation rule to .sops.yaml")]
    NoEncryptionKey,
    /// A key group to encrypt for has no keys (a creation rule without keys, `key_groups: []` or
    /// `key_groups: [{}]`): sops' words, and its exit status (a plain error: 1).
    #[error("Could not generate data key: [empty key group provided]")]
    EmptyKeyGroup,
    /// A value failed authentication (tampered value, IV, tag, or a renamed key path).
    #[error(
        "could not decrypt the value at {path}: authentication failed (the file was modified or the key path changed)"
    )]
    ValueDecryption { path: String },
    /// A value is not in sops' `ENC[AES256_GCM,…]` form where it should be.
    #[error("the value at {path} is not a valid sops encrypted value: {reason}")]
    MalformedValue { path: String, reason: String },
    /// The stored MAC could not be decrypted (tampered MAC or changed `lastmodified`).
    #[error(
        "could not decrypt the file's MAC: authentication failed (the MAC or lastmodified was modified); use --ignore-mac to decrypt anyway"
    )]
    MacUnreadable,
    /// The file has no MAC.
    #[error("the file has no MAC, so its integrity cannot be checked; use --ignore-mac to decrypt anyway")]
    MacNotFound,
    /// The MAC over the decrypted values does not match the stored one.
    #[error("MAC mismatch: the file's values, keys or their order were modified; use --ignore-mac to decrypt anyway")]
    MacMismatch,
    /// A `set`/`unset`/`extract` path is malformed.
    #[error("invalid tree path {path:?}: {reason}")]
    InvalidTreePath { path: String, reason: String },
    /// A path does not exist in the tree.
    #[error("the key path {path} does not exist in the file")]
    PathNotFound { path: String },
    /// A `set` path element does not fit the kind of value already there (an index into a
    /// mapping, a key into a list, anything into a scalar).
    #[error("{}", describe_mismatch(.path, .element, .found))]
    PathTypeMismatch {
        /// The path up to the element (`""`: the top level).
        path: String,
        /// The element that does not fit, in sops' syntax (`[0]`, `["name"]`).
        element: String,
        /// What is there: `mapping`, `list` or `scalar`.
        found: String,
    },
    /// A value cannot be represented in the output format.
    #[error("cannot write the tree as {format}: {reason}")]
    Emit { format: &'static str, reason: String },
    /// `.sops.yaml` problems.
    #[error("{0}")]
    Config(String),
    /// No `.sops.yaml` was found.
    #[error("no .sops.yaml found in {0} or any parent directory")]
    ConfigNotFound(String),
    /// Nothing changed (edit, set, updatekeys): sops exits 200.
    #[error("the file has not been modified")]
    NotModified,
    /// I/O with a named file or program.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl SopsError {
    /// The exit status sops uses for this error (`cmd/sops/codes/codes.go`).
    pub fn exit_code(&self) -> i32 {
        match self {
            SopsError::Parse { .. } => 2, // CouldNotReadInputFile
            SopsError::MetadataNotFound | SopsError::InvalidMetadata(_) => 2,
            SopsError::AlreadyEncrypted => 203,
            SopsError::CouldNotRetrieveKey { .. } => 128,
            SopsError::CouldNotEncryptKey { .. } => 128,
            SopsError::InvalidRecipient { .. } => 1,
            SopsError::NoEncryptionKey => 111,
            SopsError::EmptyKeyGroup => 1,
            SopsError::ValueDecryption { .. } | SopsError::MalformedValue { .. } => 25,
            SopsError::MacUnreadable => 24,
            SopsError::MacNotFound => 52,
            SopsError::MacMismatch => 51,
            SopsError::InvalidTreePath { .. } => 91,
            // Go sops' `Truncate` ("component ['x'] not found") and `Unset` (`SopsKeyNotFound`)
            // errors are plain errors: `toExitError` gives them ErrorGeneric, 1.
            SopsError::PathNotFound { .. } => 1,
            // Go sops' nearest error (`Truncate`: "component [0] is integer, but tree part is not
            // a slice") is a plain error: exit 1.
            SopsError::PathTypeMismatch { .. } => 1,
            SopsError::Emit { .. } => 4,
            SopsError::Config(_) => 5,
            SopsError::ConfigNotFound(_) => 61,
            SopsError::NotModified => 200,
            SopsError::Io { .. } => 1,
        }
    }

    pub(crate) fn parse(format: &'static str, message: impl fmt::Display) -> Self {
        SopsError::Parse { format, message: message.to_string() }
    }
}

fn describe_mismatch(path: &str, element: &str, found: &str) -> String {
    let at = if path.is_empty() { "the top level" } else { path };
    let wanted = if element.starts_with("[\"") { "mapping" } else { "list" };
    format!(
        "cannot set {element} under {at}: {at} is a {found}, not a {wanted}; set {} itself to replace it",
        if path.is_empty() { "a top-level key" } else { path }
    )
}

fn describe_key_failure(groups: &[GroupFailure], threshold: usize, total: usize) -> String {
    let mut out = String::from("could not retrieve the data key: ");
    if total > 1 {
        out.push_str(&format!("fewer than {threshold} of {total} key groups could be decrypted."));
    } else {
        out.push_str("no master key could decrypt it.");
    }
    out.push_str(" Keys tried:");
    for g in groups {
        if g.keys.is_empty() {
            out.push_str(&format!("\n  group {}: no keys", g.group));
        }
        for k in &g.keys {
            if total > 1 {
                out.push_str(&format!("\n  group {}: {}: {}", g.group, k.key, k.reason));
            } else {
                out.push_str(&format!("\n  {}: {}", k.key, k.reason));
            }
        }
    }
    out
}

/// Shorthand used throughout the engine.
pub type Result<T, E = SopsError> = std::result::Result<T, E>;
