//! `ssp sops …`: sops' everyday verbs over the in-process engine ([`crate::sops`]), with sops' exit
//! statuses (through [`StatusError`]) and sops' output: plaintext or ciphertext on stdout, status
//! lines on stderr. `.sops.yaml` is found walking up from the current directory, as sops does;
//! `ssp sops --config FILE` names it instead.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::cli::GlobalArgs;
use crate::cli::sops::{
    SopsArgs, SopsDecryptArgs, SopsEditArgs, SopsEncryptArgs, SopsFilestatusArgs, SopsFormat, SopsKmsOptions,
    SopsRecipients, SopsRotateArgs, SopsSetArgs, SopsTypes, SopsUnsetArgs, SopsUpdatekeysArgs, SopsVerb, SopsWrite,
};
use crate::exit::StatusError;
use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::platform::runner::Runner;
use crate::secrets::edit::{self, EditOutcome, EditTarget};
use crate::secrets::keys;
use crate::sops::{
    DecryptOptions, Document, EncryptionRules, EncryptionSpec, Format, KeySources, KmsRecipient, MasterKey,
    RecipientGroup, SopsConfig, SopsError, SopsFile, StoreOptions, parse_path, stores, tree, value_from_json,
};

mod exec;

// sops' exit codes that are not engine errors (cmd/sops/codes/codes.go).
const ERROR_GENERIC: i32 = 1;
const COULD_NOT_READ_INPUT: i32 = 2;
const COULD_NOT_WRITE_OUTPUT: i32 = 3;
const ERROR_READING_CONFIG: i32 = 5;
const INVALID_SET_FORMAT: i32 = 7;
const CONFLICTING_PARAMETERS: i32 = 8;
const NEED_AT_LEAST_ONE_DOCUMENT: i32 = 92;
const NO_FILE_SPECIFIED: i32 = 100;
const FILE_NOT_MODIFIED: i32 = 200;

fn status(message: impl Into<String>, status: i32) -> anyhow::Error {
    StatusError { message: message.into(), status }.into()
}

fn engine(err: SopsError) -> anyhow::Error {
    let code = err.exit_code();
    status(err.to_string(), code)
}

/// Runs `ssp sops …` (blocking: gpg, the editor and the key command run through the runner).
pub fn run(global: &GlobalArgs, args: &SopsArgs, output: Output) -> anyhow::Result<()> {
    if let Some(file) = &global.config {
        // Not silently ignored: a .sops.yaml meant here must not give way to another one found
        // walking up, which could choose other recipients.
        return Err(UsageError(format!(
            "`ssp --config {0}` names an ssp.toml, which `ssp sops` does not read\n\
             hint: to name the .sops.yaml, put --config after `sops`: ssp sops --config {0} …",
            file.display()
        ))
        .into());
    }
    let sops = Sops {
        runner: Runner::new(None, global.dry_run, output.clone()),
        output,
        config_path: args.config.clone(),
        dry_run: global.dry_run,
    };
    match &args.verb {
        Some(SopsVerb::Decrypt(a)) => sops.decrypt(a),
        Some(SopsVerb::Encrypt(a)) => sops.encrypt(a),
        Some(SopsVerb::Edit(a)) => sops.edit(a),
        Some(SopsVerb::Set(a)) => sops.set(a),
        Some(SopsVerb::Unset(a)) => sops.unset(a),
        Some(SopsVerb::Updatekeys(a)) => sops.updatekeys(a),
        Some(SopsVerb::Rotate(a)) => sops.rotate(a),
        Some(SopsVerb::Filestatus(a)) => sops.filestatus(a),
        Some(SopsVerb::ExecEnv(a)) => sops.exec_env(a),
        Some(SopsVerb::ExecFile(a)) => sops.exec_file(a),
        Some(SopsVerb::Publish(_)) => Err(status(
            "`sops publish` is not part of ssp (it has no publish destinations); run the sops binary for it",
            ERROR_GENERIC,
        )),
        Some(SopsVerb::Keyservice(_)) => Err(status(
            "`sops keyservice` is not part of ssp (it decrypts in-process); run the sops binary for a key service",
            ERROR_GENERIC,
        )),
        None => sops.legacy(args),
    }
}

struct Sops {
    runner: Runner,
    output: Output,
    /// `ssp sops --config FILE`: the `.sops.yaml` to use.
    config_path: Option<PathBuf>,
    dry_run: bool,
}

fn format_of(t: Option<SopsFormat>) -> Option<Format> {
    t.map(|t| match t {
        SopsFormat::Yaml => Format::Yaml,
        SopsFormat::Json => Format::Json,
        SopsFormat::Dotenv => Format::Dotenv,
        SopsFormat::Ini => Format::Ini,
        SopsFormat::Binary => Format::Binary,
    })
}

/// Input and output formats: the flags, else the file name's extension (sops' rule).
fn formats(types: &SopsTypes, name: Option<&Path>) -> (Format, Format) {
    let by_name = Format::from_path(name.unwrap_or(Path::new("")));
    let input = format_of(types.input_type).unwrap_or(by_name);
    let output = format_of(types.output_type).unwrap_or(by_name);
    (input, output)
}

fn check_write(write: &SopsWrite, file: Option<&Path>) -> anyhow::Result<()> {
    if write.in_place && write.output.is_some() {
        return Err(status("cannot operate on both --output and --in-place", CONFLICTING_PARAMETERS));
    }
    if write.in_place && file.is_none() {
        return Err(status("cannot use --in-place when reading from stdin", CONFLICTING_PARAMETERS));
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// The file's bytes, or stdin's when there is no file.
fn read_input(file: Option<&Path>) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::new());
    match file {
        Some(path) => match std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)) {
            Ok(_) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(status(
                format!("cannot operate on non-existent file {:?}", absolute(path).display().to_string()),
                NO_FILE_SPECIFIED,
            )),
            Err(e) => Err(status(format!("could not read {}: {e}", path.display()), COULD_NOT_READ_INPUT)),
        },
        None => {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| status(format!("could not read stdin: {e}"), COULD_NOT_READ_INPUT))?;
            Ok(bytes)
        }
    }
}

/// Frees a buffer that may hold plaintext, zeroized in bulk: emptied first, all of it is spare
/// capacity, which the zeroize crate wipes at memset speed (a full `Vec<u8>` goes byte by byte,
/// ~1.3 M instructions for a 1.6 MB file). On the error paths `Zeroizing`'s own drop does it.
fn wipe(mut bytes: Zeroizing<Vec<u8>>) {
    bytes.clear();
}

fn load(bytes: &[u8], format: Format, opts: StoreOptions) -> anyhow::Result<SopsFile> {
    Ok(SopsFile::load(bytes, format).map_err(engine)?.with_store_options(opts))
}

/// The hint for input read from stdin whose type was left to the default (binary, which sops
/// stores as a JSON envelope), when it did not parse.
const STDIN_INPUT_HINT: &str = "hint: reading stdin, the input type defaults to binary (a JSON envelope); \
pass --input-type yaml (or json, dotenv, ini), or --filename-override NAME.yaml";
/// The hint for output to stdout whose type was left to the default (binary) with a
/// structured input, when it could not be written (sops: "This is likely not an encrypted binary
/// file?").
const STDIN_OUTPUT_HINT: &str = "hint: reading stdin, the output type defaults to binary; \
pass --output-type yaml (or json, dotenv, ini), or --filename-override NAME.yaml";

/// Adds `hint` to an error's message, keeping its exit status.
fn with_hint(err: anyhow::Error, hint: &str) -> anyhow::Error {
    match err.downcast::<StatusError>() {
        Ok(e) => status(format!("{}\n{hint}", e.message), e.status),
        Err(e) => e,
    }
}

/// "VALUE is not JSON" for `set`, with serde's position (never the value: it may be a secret).
fn check_json(json: &str, what: &str) -> anyhow::Result<()> {
    match serde_json::from_str::<serde::de::IgnoredAny>(json) {
        Ok(_) => Ok(()),
        Err(e) => Err(status(
            format!("{what} is not JSON: {e}; a string needs JSON quotes, e.g. '\"text\"'"),
            INVALID_SET_FORMAT,
        )),
    }
}

fn split_list(s: &Option<String>) -> Vec<String> {
    s.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

impl Sops {
    fn sources(&self) -> KeySources {
        keys::key_sources(&self.runner)
    }

    /// The `.sops.yaml` in force: `--config`, else the first one walking up from the current
    /// directory; `None` when there is none (and none was named).
    fn config(&self) -> anyhow::Result<Option<SopsConfig>> {
        let path = match &self.config_path {
            // Go sops: "could not read config file: open …: no such file or directory", exit 1.
            Some(p) if !p.exists() => {
                return Err(status(
                    format!("cannot read {}: no such file (named by --config)", p.display()),
                    ERROR_GENERIC,
                ));
            }
            Some(p) => p.clone(),
            None => {
                let cwd = std::env::current_dir()?;
                match SopsConfig::find(&cwd) {
                    Ok(p) => p,
                    Err(_) => return Ok(None),
                }
            }
        };
        SopsConfig::load(&path).map(Some).map_err(|e| match e {
            SopsError::Io { source, .. } => status(format!("cannot read {}: {source}", path.display()), ERROR_GENERIC),
            e => status(e.to_string(), ERROR_READING_CONFIG),
        })
    }

    /// Output layout from `.sops.yaml`'s `stores`; a broken config only matters when it was named.
    fn store_options(&self) -> anyhow::Result<StoreOptions> {
        match self.config() {
            Ok(c) => Ok(c.map(|c| c.stores).unwrap_or_default()),
            Err(e) if self.config_path.is_some() => Err(e),
            Err(_) => Ok(StoreOptions::default()),
        }
    }

    /// Writes a result where `write` says: in place (atomically), to `--output`, or stdout.
    fn emit(&self, write: &SopsWrite, file: Option<&Path>, bytes: &[u8], plaintext: bool) -> anyhow::Result<()> {
        let target = if write.in_place { file } else { write.output.as_deref() };
        match target {
            Some(path) => self.write_file(path, bytes, plaintext),
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| match e.kind() {
                    // The reader went away (`| head`): `main` exits quietly, as Unix tools do.
                    std::io::ErrorKind::BrokenPipe => e.into(),
                    _ => status(format!("could not write to stdout: {e}"), COULD_NOT_WRITE_OUTPUT),
                })
            }
        }
    }

    fn write_file(&self, path: &Path, bytes: &[u8], plaintext: bool) -> anyhow::Result<()> {
        if self.dry_run {
            self.output.note(format!("would write {}", path.display()));
            return Ok(());
        }
        let written = if plaintext {
            crate::platform::atomic_write::replace_private(path, bytes)
        } else {
            crate::platform::atomic_write::replace(path, bytes, 0o644)
        };
        written.map_err(|e| status(format!("could not write {}: {e}", path.display()), COULD_NOT_WRITE_OUTPUT))?;
        self.success(format!("File written successfully: {}", path.display()));
        Ok(())
    }

    /// A success line: on a terminal at the default level; elsewhere only with -v, because Go sops
    /// prints nothing on success unless --verbose and scripts compare stderr to empty.
    fn success(&self, message: String) {
        if std::io::stderr().is_terminal() {
            self.output.done(message);
        } else {
            self.output.verbose(message);
        }
    }

    fn legacy(&self, a: &SopsArgs) -> anyhow::Result<()> {
        if a.decrypt {
            return self.decrypt(&SopsDecryptArgs {
                types: a.types.clone(),
                write: a.write.clone(),
                extract: a.extract.clone(),
                mac: a.mac.clone(),
                filename_override: None,
                file: a.file.clone(),
            });
        }
        if a.encrypt {
            return self.encrypt(&SopsEncryptArgs {
                types: a.types.clone(),
                write: a.write.clone(),
                recipients: a.recipients.clone(),
                filename_override: None,
                file: a.file.clone(),
            });
        }
        let Some(file) = a.file.clone() else {
            return Err(status("no file specified (see `ssp sops --help`)", NO_FILE_SPECIFIED));
        };
        if let Some(set) = &a.set {
            return self.legacy_set(set, a, file);
        }
        if a.rotate {
            return self.rotate(&SopsRotateArgs {
                types: a.types.clone(),
                write: a.write.clone(),
                keys: a.rotate_keys.clone(),
                kms_options: a.recipients.kms_options.clone(),
                file,
            });
        }
        self.edit(&SopsEditArgs {
            input_type: a.types.input_type,
            mac: a.mac.clone(),
            recipients: a.recipients.clone(),
            file,
        })
    }

    fn decrypt(&self, a: &SopsDecryptArgs) -> anyhow::Result<()> {
        let file = a.file.as_deref();
        check_write(&a.write, file)?;
        let bytes = read_input(file)?;
        let (input, output) = formats(&a.types, a.filename_override.as_deref().or(file));
        let stdin_defaults = file.is_none() && a.filename_override.is_none();
        let opts = DecryptOptions { ignore_mac: a.mac.ignore_mac };
        let mut sops_file = load(&bytes, input, self.store_options()?).map_err(|e| {
            if stdin_defaults && a.types.input_type.is_none() { with_hint(e, STDIN_INPUT_HINT) } else { e }
        })?;
        // The tree owns what it read: the file's bytes are freed now, and (below) each encrypted
        // value as it is decrypted in place, so the input, the tree and the output are never all
        // held at once (10,000 leaves: the peak is then the parse's).
        wipe(bytes);
        let sources = self.sources();
        let output_hint = |e: SopsError| {
            let binary_default = stdin_defaults && a.types.output_type.is_none() && input != Format::Binary;
            match e {
                SopsError::Emit { .. } if binary_default => with_hint(engine(e), STDIN_OUTPUT_HINT),
                e => engine(e),
            }
        };
        let plain = match &a.extract {
            Some(path) => {
                let path = parse_path(path).map_err(|e| status(format!("error parsing --extract path: {e}"), 91))?;
                sops_file.extract(&sources, &path, output, opts).map_err(output_hint)?
            }
            None => {
                let d = sops_file.decrypt_into_document(&sources, opts).map_err(engine)?;
                sops_file.emit_plain(&d.document, output).map_err(output_hint)?
            }
        };
        let written = self.emit(&a.write, file, &plain, true);
        wipe(plain);
        written
    }

    fn encrypt(&self, a: &SopsEncryptArgs) -> anyhow::Result<()> {
        let file = a.file.as_deref();
        check_write(&a.write, file)?;
        if file.is_none() && a.filename_override.is_none() {
            return Err(status("must specify --filename-override when reading from stdin", CONFLICTING_PARAMETERS));
        }
        let bytes = read_input(file)?;
        let name = a.filename_override.as_deref().or(file).expect("checked above");
        let (input, output) = formats(&a.types, Some(name));
        let branches = stores::parse_plain(input, &bytes).map_err(engine)?;
        if branches.is_empty() {
            return Err(status(
                "File cannot be completely empty, it must contain at least one document",
                NEED_AT_LEAST_ONE_DOCUMENT,
            ));
        }
        let plain = Document::new(branches);
        wipe(bytes);
        let config = self.config()?;
        let spec = encryption_spec(&a.recipients, config.as_ref(), &absolute(name))?;
        self.announce_rule(&a.recipients, config.as_ref(), &spec);
        let sources = self.sources();
        let opts = config.map(|c| c.stores).unwrap_or_default();
        let encrypted_file =
            SopsFile::encrypt_new(&plain, output, &spec, &sources).map_err(engine)?.with_store_options(opts);
        let encrypted = encrypted_file.to_bytes().map_err(engine)?;
        // The encrypted tree holds ciphertext only (no plaintext, no data key) and the process ends
        // after this command: it is left to the exit rather than freed value by value (~2.5 % of
        // a 10,000-leaf encrypt's instructions).
        std::mem::forget(encrypted_file);
        self.emit(&a.write, file, &encrypted, false)
    }

    /// The security notice of `encrypt`: when a `.sops.yaml` creation rule (not the flags) chose
    /// who can read the new file, one line on stderr names the config file and the recipients. The
    /// config is found walking up from the current directory, as sops does, so one planted in a
    /// parent directory would otherwise choose the readers silently. With recipients on the
    /// command line nothing is printed (the user wrote them; stderr stays empty as with sops);
    /// `-q` silences the line.
    fn announce_rule(&self, r: &SopsRecipients, config: Option<&SopsConfig>, spec: &EncryptionSpec) {
        let Some(config) = config.filter(|_| !flag_group_given(r)) else { return };
        let keys: Vec<String> = spec
            .groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| {
                let prefix = if spec.groups.len() > 1 { format!("group {}: ", i + 1) } else { String::new() };
                g.to_master_keys().unwrap_or_default().into_iter().map(move |k| format!("{prefix}{}", k.describe()))
            })
            .collect();
        self.output.note(format!("encrypting for {} (creation rule in {})", keys.join(", "), config.path.display()));
    }

    fn edit(&self, a: &SopsEditArgs) -> anyhow::Result<()> {
        let target = EditTarget {
            path: a.file.clone(),
            format: format_of(a.input_type).unwrap_or_else(|| Format::from_path(&a.file)),
            store_options: self.store_options()?,
            ignore_mac: a.mac.ignore_mac,
            create: if a.file.exists() {
                None
            } else {
                Some(encryption_spec(&a.recipients, self.config()?.as_ref(), &absolute(&a.file))?)
            },
        };
        run_edit(&target, &self.runner, &self.output)
    }

    fn modify(
        &self,
        file: &Path,
        types: &SopsTypes,
        ignore_mac: bool,
        change: impl FnOnce(&mut Document) -> anyhow::Result<bool>,
        write_unchanged: bool,
    ) -> anyhow::Result<()> {
        let bytes = read_input(Some(file))?;
        let (input, output) = formats(types, Some(file));
        let mut sops_file = load(&bytes, input, self.store_options()?)?;
        let mut d = sops_file.decrypt_for_edit(&self.sources(), DecryptOptions { ignore_mac }).map_err(engine)?;
        let mut document = std::mem::take(&mut d.document);
        let changed = change(&mut document)?;
        if !changed && !write_unchanged {
            self.success("File not written due to no change".into());
            return Ok(());
        }
        sops_file.format = output;
        let encrypted = sops_file
            .reencrypt_keeping(&document, &d.data_key, &d.stash)
            .map_err(engine)?
            .to_bytes()
            .map_err(engine)?;
        self.write_file(file, &encrypted, false)
    }

    fn set(&self, a: &SopsSetArgs) -> anyhow::Result<()> {
        let path =
            parse_path(&a.index).map_err(|e| status(format!("invalid set index format: {e}"), INVALID_SET_FORMAT))?;
        let what = if a.value_stdin {
            "the value on stdin".to_string()
        } else if a.value_file {
            format!("the value in {}", a.value.as_deref().unwrap_or_default())
        } else {
            "VALUE".to_string()
        };
        let json = Zeroizing::new(if a.value_stdin {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| status(format!("could not read stdin: {e}"), ERROR_GENERIC))?;
            s
        } else if a.value_file {
            let f = a.value.as_deref().unwrap_or_default();
            std::fs::read_to_string(f).map_err(|e| status(format!("could not read {f}: {e}"), ERROR_GENERIC))?
        } else {
            a.value.clone().unwrap_or_default()
        });
        check_json(&json, &what)?;
        let value = value_from_json(&json).map_err(|e| status(e.to_string(), INVALID_SET_FORMAT))?;
        self.modify(
            &a.file,
            &a.types,
            a.mac.ignore_mac,
            |doc| {
                if doc.branches.is_empty() {
                    doc.branches.push(Vec::new());
                }
                tree::set(&mut doc.branches[0], &path, value).map_err(engine)
            },
            !a.idempotent,
        )
    }

    /// sops' `--set 'PATH VALUE'` (split after the first `"] "`), written in place.
    fn legacy_set(&self, set: &str, a: &SopsArgs, file: PathBuf) -> anyhow::Result<()> {
        let Some(at) = set.find("] ") else {
            return Err(status(
                "invalid --set format: write it as '[\"key\"] VALUE', e.g. --set '[\"db\"][\"user\"] \"admin\"'",
                INVALID_SET_FORMAT,
            ));
        };
        let (index, value) = (set[..=at].trim_end(), &set[at + 2..]);
        self.set(&SopsSetArgs {
            types: a.types.clone(),
            value_stdin: false,
            value_file: false,
            idempotent: false,
            mac: a.mac.clone(),
            file,
            index: index.to_string(),
            value: Some(value.to_string()),
        })
    }

    fn unset(&self, a: &SopsUnsetArgs) -> anyhow::Result<()> {
        let path =
            parse_path(&a.index).map_err(|e| status(format!("invalid unset index format: {e}"), INVALID_SET_FORMAT))?;
        let idempotent = a.idempotent;
        self.modify(
            &a.file,
            &a.types,
            a.mac.ignore_mac,
            |doc| {
                let Some(first) = doc.branches.first_mut() else {
                    return Err(engine(SopsError::PathNotFound { path: tree::format_path(&path) }));
                };
                match tree::unset(first, &path) {
                    Ok(()) => Ok(true),
                    Err(SopsError::PathNotFound { .. }) if idempotent => Ok(false),
                    Err(e) => Err(engine(e)),
                }
            },
            false,
        )
    }

    fn updatekeys(&self, a: &SopsUpdatekeysArgs) -> anyhow::Result<()> {
        let config = match self.config()? {
            Some(c) => c,
            None => {
                let cwd = std::env::current_dir()?;
                return Err(engine(SopsError::ConfigNotFound(cwd.display().to_string())));
            }
        };
        for file in &a.files {
            self.updatekeys_one(&config, file, a)?;
        }
        Ok(())
    }

    fn updatekeys_one(&self, config: &SopsConfig, file: &Path, a: &SopsUpdatekeysArgs) -> anyhow::Result<()> {
        self.output.step(format!("Syncing keys for file {}", file.display()));
        let bytes = read_input(Some(file))?;
        let format = format_of(a.input.input_type).unwrap_or_else(|| Format::from_path(file));
        let sops_file = load(&bytes, format, config.stores)?;
        let rule = config.rule_for(&absolute(file)).map_err(engine)?;
        let groups: Vec<RecipientGroup> = rule.groups.iter().filter(|g| !g.is_empty()).cloned().collect();
        let new_keys =
            groups.iter().map(RecipientGroup::to_master_keys).collect::<Result<Vec<_>, _>>().map_err(engine)?;
        let threshold =
            if groups.len() > 1 { rule.shamir_threshold.or(sops_file.metadata.shamir_threshold) } else { None };
        let diff = group_diff(&sops_file.metadata.key_groups, &new_keys);
        let keys_change = diff.iter().any(|g| !g.added.is_empty() || !g.removed.is_empty());
        let threshold_changes = sops_file.metadata.shamir_threshold.filter(|t| *t > 0) != threshold.filter(|t| *t > 0)
            && (groups.len() > 1 || sops_file.metadata.key_groups.len() > 1);
        if !keys_change && !threshold_changes && sops_file.metadata.key_groups.len() == new_keys.len() {
            self.output.done(format!("File {} already up to date", file.display()));
            return Ok(());
        }
        let mut text = String::from("The following changes will be made to the file's groups:\n");
        if let Some(t) = threshold.filter(|t| *t > 0) {
            text.push_str(&format!("shamir_threshold: {t}\n"));
        }
        for (i, g) in diff.iter().enumerate() {
            text.push_str(&format!("Group {}\n", i + 1));
            for k in &g.common {
                text.push_str(&format!("    {k}\n"));
            }
            for k in &g.added {
                text.push_str(&format!("+++ {k}\n"));
            }
            for k in &g.removed {
                text.push_str(&format!("--- {k}\n"));
            }
        }
        {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
        if !a.yes && !confirm()? {
            self.output.note(format!("File {} left unchanged", file.display()));
            return Ok(());
        }
        let (updated, _) = sops_file.updatekeys(&self.sources(), &groups, threshold).map_err(engine)?;
        let out = updated.to_bytes().map_err(engine)?;
        self.write_file(file, &out, false)?;
        self.output.done(format!("File {} synced with new keys", file.display()));
        Ok(())
    }

    fn rotate(&self, a: &SopsRotateArgs) -> anyhow::Result<()> {
        check_write(&a.write, Some(&a.file))?;
        let bytes = read_input(Some(&a.file))?;
        let (input, output) = formats(&a.types, Some(&a.file));
        let mut sops_file = load(&bytes, input, self.store_options()?)?;
        sops_file.format = output;
        let k = &a.keys;
        let add = RecipientGroup {
            age: split_list(&k.add_age),
            pgp: split_list(&k.add_pgp),
            kms: kms_recipients(&k.add_kms, &a.kms_options)?,
        };
        let remove = RecipientGroup {
            age: split_list(&k.rm_age),
            pgp: split_list(&k.rm_pgp),
            kms: kms_recipients(&k.rm_kms, &SopsKmsOptions::default())?,
        };
        let rotated =
            sops_file.rotate_with(&self.sources(), &add, &remove).map_err(engine)?.to_bytes().map_err(engine)?;
        for key in add.to_master_keys().map_err(engine)? {
            self.output.note(format!("added {}", key.describe()));
        }
        for key in remove.to_master_keys().map_err(engine)? {
            self.output.note(format!("removed {}", key.describe()));
        }
        self.emit(&a.write, Some(&a.file), &rotated, false)
    }

    fn filestatus(&self, a: &SopsFilestatusArgs) -> anyhow::Result<()> {
        let bytes = std::fs::read(&a.file)
            .map_err(|e| status(format!("cannot check file status: {}: {e}", a.file.display()), ERROR_GENERIC))?;
        let format = format_of(a.input.input_type).unwrap_or_else(|| Format::from_path(&a.file));
        let encrypted = match SopsFile::load(&bytes, format) {
            Ok(f) => !f.metadata.version.is_empty() && !f.metadata.mac.is_empty(),
            Err(SopsError::MetadataNotFound) => false,
            Err(e) => return Err(status(format!("cannot check file status: {e}"), ERROR_GENERIC)),
        };
        writeln!(std::io::stdout().lock(), "{}", serde_json::json!({ "encrypted": encrypted }))?;
        Ok(())
    }
}

/// Runs an edit and reports it (shared with `ssp edit-cloud-values`).
pub fn run_edit(target: &EditTarget, runner: &Runner, output: &Output) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    match edit::edit_file(target, runner, output, interactive) {
        Ok(EditOutcome::Unchanged) => {
            Err(status("File has not changed, exiting. (nothing was written)", FILE_NOT_MODIFIED))
        }
        Ok(EditOutcome::Saved(changes)) => {
            output.done(format!("File written successfully: {} (same data key, new MAC)", target.path.display()));
            if changes.is_empty() {
                output.note("No values changed (formatting or comments only)");
            } else {
                output.note(format!(
                    "{} added, {} removed, {} changed (paths only):",
                    changes.added.len(),
                    changes.removed.len(),
                    changes.changed.len()
                ));
                for line in edit::summary_lines(&changes) {
                    output.note(line);
                }
            }
            Ok(())
        }
        Err(e) => {
            let code = e.exit_code();
            Err(status(e.to_string(), code))
        }
    }
}

/// The recipients of a new file: the flags when any is given, else the `.sops.yaml` creation rule
/// for `path`; rule options from the flags override the rule's.
fn encryption_spec(r: &SopsRecipients, config: Option<&SopsConfig>, path: &Path) -> anyhow::Result<EncryptionSpec> {
    let o = &r.kms_options;
    if (o.encryption_context.is_some() || o.aws_profile.is_some()) && split_list(&r.kms).is_empty() {
        return Err(UsageError(
            "--encryption-context and --aws-profile apply to --kms keys; add --kms ARN (or set them in .sops.yaml)"
                .into(),
        )
        .into());
    }
    let flag_group =
        RecipientGroup { age: split_list(&r.age), pgp: split_list(&r.pgp), kms: kms_recipients(&r.kms, o)? };
    debug_assert_eq!(flag_group.is_empty(), !flag_group_given(r));
    let flag_rules = EncryptionRules {
        unencrypted_suffix: r.unencrypted_suffix.clone(),
        encrypted_suffix: r.encrypted_suffix.clone(),
        unencrypted_regex: r.unencrypted_regex.clone(),
        encrypted_regex: r.encrypted_regex.clone(),
        ..Default::default()
    };
    let flags_set_rules = flag_rules != EncryptionRules::default();
    let mut spec = if !flag_group.is_empty() {
        EncryptionSpec { groups: vec![flag_group], shamir_threshold: None, rules: EncryptionRules::default() }
    } else {
        match config {
            Some(c) => c.rule_for(path).map_err(engine)?.spec(),
            None => return Err(engine(SopsError::NoEncryptionKey)),
        }
    };
    if flags_set_rules {
        spec.rules = flag_rules;
    }
    Ok(spec)
}

/// Whether recipients were given on the command line (then `.sops.yaml` is not consulted).
fn flag_group_given(r: &SopsRecipients) -> bool {
    !(split_list(&r.age).is_empty() && split_list(&r.pgp).is_empty() && split_list(&r.kms).is_empty())
}

/// KMS keys from a comma-separated ARN list (`ARN+ROLE_ARN` for a role) with the flags' encryption
/// context and profile.
fn kms_recipients(list: &Option<String>, o: &SopsKmsOptions) -> anyhow::Result<Vec<KmsRecipient>> {
    let context = match &o.encryption_context {
        Some(c) => KmsRecipient::parse_context(c)
            .map_err(|e| UsageError(format!("--encryption-context {c:?}: {e}; write it as KEY:VALUE,KEY2:VALUE2")))?,
        None => Vec::new(),
    };
    let aws_profile = o.aws_profile.clone().filter(|p| !p.is_empty());
    Ok(split_list(list)
        .into_iter()
        .map(|arn| KmsRecipient {
            context: context.clone(),
            aws_profile: aws_profile.clone(),
            ..KmsRecipient::from_arn_string(&arn)
        })
        .collect())
}

/// One key group's difference, as sops' `DiffKeyGroups` shows it (identifiers only).
#[derive(Default)]
struct GroupDiff {
    common: Vec<String>,
    added: Vec<String>,
    removed: Vec<String>,
}

fn group_diff(old: &[Vec<MasterKey>], new: &[Vec<MasterKey>]) -> Vec<GroupDiff> {
    let id = |k: &MasterKey| k.describe().split_once(' ').map(|(_, id)| id.to_string()).unwrap_or_default();
    (0..old.len().max(new.len()))
        .map(|i| {
            let o: Vec<String> = old.get(i).map(|g| g.iter().map(id).collect()).unwrap_or_default();
            let n: Vec<String> = new.get(i).map(|g| g.iter().map(id).collect()).unwrap_or_default();
            GroupDiff {
                common: n.iter().filter(|k| o.contains(k)).cloned().collect(),
                added: n.iter().filter(|k| !o.contains(k)).cloned().collect(),
                removed: o.iter().filter(|k| !n.contains(k)).cloned().collect(),
            }
        })
        .collect()
}

/// sops' "Is this okay? (y/n):" on stdin; end of input is an error that suggests `--yes`.
fn confirm() -> anyhow::Result<bool> {
    loop {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(b"Is this okay? (y/n):")?;
        stdout.flush()?;
        drop(stdout);
        let Some(line) = crate::platform::prompt::read_line()? else {
            return Err(status("no answer on stdin; pass --yes to apply the changes without asking", ERROR_GENERIC));
        };
        match line.trim() {
            "y" => return Ok(true),
            "n" => return Ok(false),
            _ => {}
        }
    }
}
