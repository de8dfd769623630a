//! A sops-compatible engine (SOPS file format, in-process).
//!
//! The file format follows Go sops 3.x (`sops.go`, `aes/cipher.go`, `stores/*`): every scalar value
//! is encrypted with AES-256-GCM under a per-file data key, with its key path as additional data;
//! a SHA-512 MAC over the plaintext values (in tree order) is stored encrypted with `lastmodified`
//! as additional data; the data key is wrapped by master keys (age, PGP, KMS, …) in key groups.
//!
//! This module is a library for the command layer: no terminal output, no argument parsing.
//! Typical use:
//!
//! ```no_run
//! use ssp::sops::{DecryptOptions, Format, KeySources, SopsFile};
//! let bytes = std::fs::read("values.cloud.yaml").unwrap();
//! let file = SopsFile::load(&bytes, Format::Yaml).unwrap();
//! let plain = file.decrypt(&KeySources::from_env(), DecryptOptions::default()).unwrap();
//! let yaml = file.emit_plain(&plain.document, Format::Yaml).unwrap();
//! # let _ = yaml;
//! ```

pub mod cipher;
pub mod config;
pub mod error;
pub mod keys;
pub mod metadata;
pub mod shamir;
pub mod stores;
pub mod time;
pub mod tree;
mod walk;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use cipher::DataKey;
pub use config::{CreationRule, SopsConfig};
pub use error::{GroupFailure, KeyFailure, Result, SopsError};
pub use keys::{
    AgeIdentities, AgeKeyCommand, GpgProgram, KeySources, KmsRecipient, KmsService, RecipientGroup, SystemGpg,
};
pub use metadata::{EncryptionRules, MasterKey, Metadata};
pub use stores::{Format, StoreOptions};
pub use tree::{
    Branch, ChangedPaths, Comment, Document, MapItem, PathSegment, SeqItem, Value, changed_paths, parse_path,
};

use cipher::ValueType;
use walk::{Direction, Walker};

/// sops' `MACOnlyEncryptedInitialization`: sha256("sops"), hashed first when the MAC covers only
/// encrypted values, so such a MAC never equals a full one.
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b,
    0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// Options for decryption.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    /// Decrypt even when the MAC is missing or does not match (sops' `--ignore-mac`).
    pub ignore_mac: bool,
}

/// The result of a decryption: the plaintext tree and the data key (for re-encrypting an edit).
pub struct Decrypted {
    pub document: Document,
    pub data_key: DataKey,
    /// What each value was read from (filled by [`SopsFile::decrypt_for_edit`], empty otherwise):
    /// [`SopsFile::reencrypt_keeping`] writes unchanged values back with their old ciphertext.
    pub stash: cipher::Stash,
}

/// How a new file's data key is protected and which values are encrypted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionSpec {
    /// One entry per key group (one group: no Shamir).
    pub groups: Vec<RecipientGroup>,
    /// Shares needed with several groups (`None`: all).
    pub shamir_threshold: Option<usize>,
    pub rules: EncryptionRules,
}

/// Master keys added and removed by `updatekeys` (described like `age age1…`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl KeyChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// An encrypted sops file: its encrypted tree and metadata.
#[derive(Clone, Debug)]
pub struct SopsFile {
    pub format: Format,
    /// The data branches with encrypted values (no `sops` entry).
    pub branches: Vec<Branch>,
    pub metadata: Metadata,
    /// Output layout (indentation) used by [`SopsFile::to_bytes`] and [`SopsFile::emit_plain`].
    pub store_options: StoreOptions,
}

/// Is this file encrypted with sops? (sops' `filestatus`.)
pub fn is_encrypted(bytes: &[u8], format: Format) -> bool {
    SopsFile::load(bytes, format).is_ok()
}

// ------------------------------------------------------------------ the file API

impl SopsFile {
    /// Parses an encrypted file. Fails with [`SopsError::MetadataNotFound`] for plaintext files.
    pub fn load(bytes: &[u8], format: Format) -> Result<Self> {
        let (branches, metadata) = stores::parse_encrypted(format, bytes)?;
        Ok(SopsFile { format, branches, metadata, store_options: StoreOptions::default() })
    }

    /// Sets the output layout (from `.sops.yaml`'s `stores`).
    pub fn with_store_options(mut self, opts: StoreOptions) -> Self {
        self.store_options = opts;
        self
    }

    /// The encrypted file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        stores::emit_encrypted(self.format, &self.branches, &self.metadata, &self.store_options)
    }

    /// Recovers the data key with the given key sources.
    pub fn data_key(&self, sources: &KeySources) -> Result<DataKey> {
        keys::decrypt_data_key(&self.metadata, sources)
    }

    /// Decrypts the tree and checks the MAC.
    pub fn decrypt(&self, sources: &KeySources, opts: DecryptOptions) -> Result<Decrypted> {
        let data_key = self.data_key(sources)?;
        let document = self.decrypt_with_key(&data_key, opts)?;
        Ok(Decrypted { document, data_key, stash: cipher::Stash::default() })
    }

    /// Decrypts for an edit (`edit`, `set`, `unset`): also remembers what each value was read
    /// from, so [`SopsFile::reencrypt_keeping`] leaves unchanged values' ciphertext as it was.
    pub fn decrypt_for_edit(&self, sources: &KeySources, opts: DecryptOptions) -> Result<Decrypted> {
        let data_key = self.data_key(sources)?;
        let (document, stash) = self.decrypt_walk(&data_key, opts, true)?;
        Ok(Decrypted { document, data_key, stash: stash.unwrap_or_default() })
    }

    /// Decrypts the tree with a known data key and checks the MAC (unless ignored).
    pub fn decrypt_with_key(&self, key: &DataKey, opts: DecryptOptions) -> Result<Document> {
        self.decrypt_walk(key, opts, false).map(|(d, _)| d)
    }

    fn decrypt_walk(
        &self,
        key: &DataKey,
        opts: DecryptOptions,
        stash: bool,
    ) -> Result<(Document, Option<cipher::Stash>)> {
        let mut walker = Walker::new(&self.metadata.rules, key, Direction::Decrypt)?;
        if stash {
            walker.record = Some(cipher::Stash::default());
        }
        let (branches, computed, stash) = walker.walk_stashed(&self.branches)?;
        let document = Document::new(branches);
        self.check_mac(&computed, key, opts)?;
        Ok((document, stash))
    }

    /// Decrypts the file's tree in place and moves it out as the plaintext document, checking the
    /// MAC (unless ignored); the file keeps its metadata, its branches are left empty. For a
    /// decrypt that needs the encrypted tree no more (`sops decrypt`): no second tree is built.
    pub fn decrypt_into_document(&mut self, sources: &KeySources, opts: DecryptOptions) -> Result<Decrypted> {
        let data_key = self.data_key(sources)?;
        let document = self.take_decrypted(&data_key, opts)?;
        Ok(Decrypted { document, data_key, stash: cipher::Stash::default() })
    }

    fn take_decrypted(&mut self, key: &DataKey, opts: DecryptOptions) -> Result<Document> {
        let walker = Walker::new(&self.metadata.rules, key, Direction::Decrypt)?;
        // In a document from the start: zeroized on drop, part decrypted or not.
        let mut document = Document::new(std::mem::take(&mut self.branches));
        let computed = walker.decrypt_in_place(&mut document.branches)?;
        self.check_mac(&computed, key, opts)?;
        Ok(document)
    }

    /// Compares the MAC computed over the plaintext with the file's (unless ignored).
    fn check_mac(&self, computed: &str, key: &DataKey, opts: DecryptOptions) -> Result<()> {
        if opts.ignore_mac {
            return Ok(());
        }
        if self.metadata.mac.is_empty() {
            return Err(SopsError::MacNotFound);
        }
        let aad = metadata::canonical_rfc3339(&self.metadata.last_modified)?;
        let stored = match cipher::decrypt_bytes(&self.metadata.mac, key, &aad) {
            Ok((bytes, _)) => bytes,
            Err(_) => return Err(SopsError::MacUnreadable),
        };
        if !bool::from(stored.as_slice().ct_eq(computed.as_bytes())) {
            return Err(SopsError::MacMismatch);
        }
        Ok(())
    }

    /// Writes a plaintext tree in a format, with this file's layout options.
    pub fn emit_plain(&self, doc: &Document, format: Format) -> Result<Zeroizing<Vec<u8>>> {
        stores::emit_plain(format, &doc.branches, &self.store_options).map(Zeroizing::new)
    }

    /// Encrypts a plaintext tree as a new file with a fresh data key.
    pub fn encrypt_new(
        plain: &Document,
        format: Format,
        spec: &EncryptionSpec,
        sources: &KeySources,
    ) -> Result<SopsFile> {
        if stores::has_metadata(format, &plain.branches) {
            return Err(SopsError::AlreadyEncrypted);
        }
        let (template, key) = SopsFile::create(format, spec, sources)?;
        template.reencrypt(plain, &key)
    }

    /// An empty file for `spec`'s recipients: a fresh data key, already wrapped for every master
    /// key (so a recipient that cannot be used fails here, before any plaintext exists). Fill it
    /// with [`SopsFile::reencrypt`].
    pub fn create(format: Format, spec: &EncryptionSpec, sources: &KeySources) -> Result<(SopsFile, DataKey)> {
        // As sops' `GenerateDataKeyWithKeyServices`: no group, or a group without keys, is an error
        // (a creation rule that matched but names no keys ends here).
        if spec.groups.is_empty() || spec.groups.iter().any(RecipientGroup::is_empty) {
            return Err(SopsError::EmptyKeyGroup);
        }
        let groups = spec.groups.iter().map(RecipientGroup::to_master_keys).collect::<Result<Vec<_>>>()?;
        let mut md = Metadata {
            key_groups: groups,
            shamir_threshold: spec.shamir_threshold,
            last_modified: String::new(),
            mac: String::new(),
            rules: spec.rules.clone().normalized()?,
            version: metadata::SOPS_FORMAT_VERSION.into(),
        };
        let key = DataKey::generate();
        keys::encrypt_data_key(&mut md, &key, sources)?;
        Ok((SopsFile { format, branches: Vec::new(), metadata: md, store_options: StoreOptions::default() }, key))
    }

    /// Encrypts an edited plaintext with this file's data key, master keys and rules: fresh IVs,
    /// a new `lastmodified` and MAC (sops' edit/set).
    pub fn reencrypt(&self, plain: &Document, key: &DataKey) -> Result<SopsFile> {
        self.reencrypt_with(plain, key, None)
    }

    /// Encrypts an edited plaintext like [`SopsFile::reencrypt`], but a value whose plaintext is
    /// what it was at the same path keeps its ciphertext (Go sops' IV stash): an edit's diff shows
    /// only the changed values, `mac` and `lastmodified`.
    pub fn reencrypt_keeping(&self, plain: &Document, key: &DataKey, stash: &cipher::Stash) -> Result<SopsFile> {
        self.reencrypt_with(plain, key, Some(stash))
    }

    fn reencrypt_with(&self, plain: &Document, key: &DataKey, stash: Option<&cipher::Stash>) -> Result<SopsFile> {
        if stores::has_metadata(self.format, &plain.branches) {
            return Err(SopsError::Emit {
                format: self.format.name(),
                reason: "the plaintext contains a top-level sops key, which is reserved".into(),
            });
        }
        let mut walker = Walker::new(&self.metadata.rules, key, Direction::Encrypt)?;
        walker.reuse = stash;
        let (branches, mac) = walker.walk(&plain.branches)?;
        let mut metadata = self.metadata.clone();
        metadata.last_modified = metadata::now_rfc3339();
        metadata.mac = cipher::encrypt_bytes(mac.as_bytes(), ValueType::Str, key, &metadata.last_modified);
        Ok(SopsFile { format: self.format, branches, metadata, store_options: self.store_options })
    }

    /// sops `set`: decrypts, sets `path` to `value`, re-encrypts. `Ok(None)` when nothing changed.
    pub fn set(&self, sources: &KeySources, path: &[PathSegment], value: Value) -> Result<Option<SopsFile>> {
        let mut d = self.decrypt_for_edit(sources, DecryptOptions::default())?;
        let mut document = std::mem::take(&mut d.document);
        let first = document.branches.first_mut().ok_or(SopsError::PathNotFound { path: tree::format_path(path) })?;
        if !tree::set(first, path, value)? {
            return Ok(None);
        }
        self.reencrypt_keeping(&document, &d.data_key, &d.stash).map(Some)
    }

    /// sops `unset`: decrypts, removes `path`, re-encrypts.
    pub fn unset(&self, sources: &KeySources, path: &[PathSegment]) -> Result<SopsFile> {
        let mut d = self.decrypt_for_edit(sources, DecryptOptions::default())?;
        let mut document = std::mem::take(&mut d.document);
        let first = document.branches.first_mut().ok_or(SopsError::PathNotFound { path: tree::format_path(path) })?;
        tree::unset(first, path)?;
        self.reencrypt_keeping(&document, &d.data_key, &d.stash)
    }

    /// sops `--extract`: one decrypted value, written in `format` (scalars as bare text).
    pub fn extract(
        &self,
        sources: &KeySources,
        path: &[PathSegment],
        format: Format,
        opts: DecryptOptions,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let d = self.decrypt(sources, opts)?;
        let empty = Vec::new();
        let first = d.document.branches.first().unwrap_or(&empty);
        let v = tree::get(first, path)?;
        stores::emit_value(format, v, &self.store_options).map(Zeroizing::new)
    }

    /// sops `rotate`: a new data key for the same master keys; every value re-encrypted.
    pub fn rotate(&self, sources: &KeySources) -> Result<SopsFile> {
        self.rotate_with(sources, &RecipientGroup::default(), &RecipientGroup::default())
    }

    /// sops `rotate --add-… --rm-…`: `add` joins the first key group, `remove` leaves every group
    /// (matched by age recipient, PGP fingerprint, KMS ARN and role), then a new data key is
    /// wrapped for the resulting keys. Unlike sops, a key to remove that the file does not have,
    /// or a removal that would empty a key group, is an error rather than silently ignored.
    pub fn rotate_with(&self, sources: &KeySources, add: &RecipientGroup, remove: &RecipientGroup) -> Result<SopsFile> {
        let d = self.decrypt(sources, DecryptOptions::default())?;
        let mut md = self.metadata.clone();
        if !add.is_empty() {
            let added = add.to_master_keys()?;
            if md.key_groups.is_empty() {
                md.key_groups.push(Vec::new());
            }
            for key in added {
                if !md.key_groups[0].iter().any(|k| k.same_key(&key)) {
                    md.key_groups[0].push(key);
                }
            }
        }
        for gone in remove.to_master_keys()? {
            let mut found = false;
            for (i, group) in md.key_groups.iter_mut().enumerate() {
                let before = group.len();
                group.retain(|k| !k.same_key(&gone));
                if group.len() != before {
                    found = true;
                    if group.is_empty() {
                        return Err(SopsError::Config(format!(
                            "removing {} would leave key group {} with no keys; add another key to it first",
                            gone.describe(),
                            i + 1
                        )));
                    }
                }
            }
            if !found {
                return Err(SopsError::Config(format!("{} is not a master key of this file", gone.describe())));
            }
        }
        let new_key = DataKey::generate();
        keys::encrypt_data_key(&mut md, &new_key, sources)?;
        let template = SopsFile { metadata: md, ..self.clone() };
        template.reencrypt(&d.document, &new_key)
    }

    /// sops `updatekeys`: wraps the existing data key for the given key groups (usually from the
    /// matching `.sops.yaml` creation rule). With one group, entries of keys that stay are kept as
    /// they are, so keys ssp cannot use (KMS here) survive; values and MAC are untouched.
    pub fn updatekeys(
        &self,
        sources: &KeySources,
        groups: &[RecipientGroup],
        shamir_threshold: Option<usize>,
    ) -> Result<(SopsFile, KeyChanges)> {
        let new_groups =
            groups.iter().filter(|g| !g.is_empty()).map(RecipientGroup::to_master_keys).collect::<Result<Vec<_>>>()?;
        if new_groups.is_empty() {
            return Err(SopsError::NoEncryptionKey);
        }
        let describe =
            |gs: &[Vec<MasterKey>]| -> Vec<String> { gs.iter().flatten().map(MasterKey::describe).collect() };
        let old = describe(&self.metadata.key_groups);
        let new = describe(&new_groups);
        let changes = KeyChanges {
            added: new.iter().filter(|k| !old.contains(k)).cloned().collect(),
            removed: old.iter().filter(|k| !new.contains(k)).cloned().collect(),
        };
        let same_shape =
            self.metadata.key_groups.len() == new_groups.len() && self.metadata.shamir_threshold == shamir_threshold;
        if changes.is_empty() && same_shape {
            return Ok((self.clone(), changes));
        }
        let key = self.data_key(sources)?;
        let mut md = self.metadata.clone();
        md.shamir_threshold = shamir_threshold;
        if new_groups.len() == 1 && self.metadata.key_groups.len() == 1 {
            let mut group = Vec::new();
            for k in &new_groups[0] {
                let existing = self.metadata.key_groups[0]
                    .iter()
                    .find(|o| o.describe() == k.describe() && !o.encrypted_data_key().is_empty());
                group.push(match existing {
                    Some(o) => o.clone(),
                    None => {
                        let mut fresh = vec![vec![k.clone()]];
                        let mut one = Metadata { key_groups: std::mem::take(&mut fresh), ..md.clone() };
                        keys::encrypt_data_key(&mut one, &key, sources)?;
                        one.key_groups.remove(0).remove(0)
                    }
                });
            }
            md.key_groups = vec![group];
        } else {
            md.key_groups = new_groups;
            keys::encrypt_data_key(&mut md, &key, sources)?;
        }
        Ok((SopsFile { metadata: md, ..self.clone() }, changes))
    }
}

/// Parses a value given to `set` as JSON (sops' syntax: `'"text"'`, `42`, `{"a": 1}`).
pub fn value_from_json(s: &str) -> Result<Value> {
    let wrapped = format!("{{\"v\": {s}}}");
    let mut b = stores::json::parse(&wrapped).map_err(|_| SopsError::InvalidTreePath {
        path: "(value)".into(),
        reason: "the value is not valid JSON (strings need quotes: '\"text\"')".into(),
    })?;
    match b.pop() {
        Some(MapItem::Entry(_, v)) => Ok(v),
        _ => unreachable!("the wrapper object has one entry"),
    }
}

/// Decrypts file bytes straight to plaintext bytes in `output` format (sops `decrypt`).
pub fn decrypt_bytes(
    bytes: &[u8],
    input: Format,
    output: Format,
    sources: &KeySources,
    opts: DecryptOptions,
    store_options: StoreOptions,
) -> Result<Zeroizing<Vec<u8>>> {
    let file = SopsFile::load(bytes, input)?.with_store_options(store_options);
    let d = file.decrypt(sources, opts)?;
    file.emit_plain(&d.document, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Document {
        Document::new(stores::yaml::parse(yaml).unwrap())
    }

    fn file_for(plain: &Document, rules: EncryptionRules) -> (SopsFile, DataKey) {
        let md = Metadata {
            key_groups: vec![vec![]],
            shamir_threshold: None,
            last_modified: String::new(),
            mac: String::new(),
            rules: rules.normalized().unwrap(),
            version: "3.10.2".into(),
        };
        let t =
            SopsFile { format: Format::Yaml, branches: vec![], metadata: md, store_options: StoreOptions::default() };
        let key = DataKey::generate();
        (t.reencrypt(plain, &key).unwrap(), key)
    }

    #[test]
    fn encrypt_then_decrypt_restores_the_tree_and_checks_the_mac() {
        let plain = doc("# c\na: 1\nb:\n    - x\n    - true\nc_unencrypted: open\nd: null\n");
        let (f, key) = file_for(&plain, EncryptionRules::default());
        let MapItem::Entry(_, Value::Str(enc)) = &f.branches[0][1] else { panic!() };
        assert!(enc.ends_with("type:int]"));
        assert!(matches!(&f.branches[0][0], MapItem::Comment(c) if c.text.starts_with("ENC[")));
        assert_eq!(f.branches[0][3], MapItem::Entry("c_unencrypted".into(), Value::Str("open".into())));
        let back = f.decrypt_with_key(&key, DecryptOptions::default()).unwrap();
        assert_eq!(back, plain);
    }

    /// `sops decrypt`'s walk in place gives what the copying walk gives, errors included.
    #[test]
    fn decrypting_in_place_is_decrypting() {
        let sources = [
            "# head\na: 1\nb:\n    - x # inline\n    - true\n    - k: v\n      # foot\nc_unencrypted: open\nd: null\n---\ne: [1, 2.5]\n",
            "# sops:enc\nsecret: s\nplain: p\nlist:\n    # sops:enc\n    - hidden\n    - shown\n",
        ];
        let rules = [
            EncryptionRules::default(),
            EncryptionRules { mac_only_encrypted: true, ..Default::default() },
            EncryptionRules { encrypted_comment_regex: Some("sops:enc".into()), ..Default::default() },
            EncryptionRules { unencrypted_regex: Some("^plain$".into()), ..Default::default() },
        ];
        let mut mac_cases = 0;
        for src in sources {
            for r in &rules {
                let plain = doc(src);
                let (f, key) = file_for(&plain, r.clone());
                let copied = f.decrypt_with_key(&key, DecryptOptions::default()).unwrap();
                assert_eq!(copied, plain, "{src:?} {r:?}");
                let mut in_place = f.clone();
                assert_eq!(in_place.take_decrypted(&key, DecryptOptions::default()).unwrap(), copied);
                assert!(in_place.branches.is_empty());
                // A changed value: the same error either way, and with --ignore-mac the same tree.
                let mut changed = f.clone();
                let MapItem::Entry(k, _) =
                    changed.branches[0].iter().find(|i| matches!(i, MapItem::Entry(..))).unwrap().clone()
                else {
                    unreachable!()
                };
                let at = changed.branches[0].iter().position(|i| matches!(i, MapItem::Entry(x, _) if *x == k)).unwrap();
                changed.branches[0][at] = MapItem::Entry(k, Value::Int(7));
                let err = |r: Result<Document>| r.map(|_| ()).unwrap_err().to_string();
                assert_eq!(
                    err(changed.clone().take_decrypted(&key, DecryptOptions::default())),
                    err(changed.decrypt_with_key(&key, DecryptOptions::default())),
                    "{src:?} {r:?}"
                );
                // An unencrypted value changed: the MAC no longer matches (unless it covers
                // encrypted values only); with --ignore-mac both give the changed tree.
                let mut edited = f.clone();
                if let Some(MapItem::Entry(_, v)) = edited.branches[0]
                    .iter_mut()
                    .find(|i| matches!(i, MapItem::Entry(k, _) if k.ends_with("_unencrypted")))
                {
                    *v = Value::Str("changed".into());
                    let strict =
                        edited.decrypt_with_key(&key, DecryptOptions::default()).map(|_| ()).map_err(|e| e.to_string());
                    let in_place = edited.clone().take_decrypted(&key, DecryptOptions::default());
                    assert_eq!(in_place.map(|_| ()).map_err(|e| e.to_string()), strict);
                    let ignore = DecryptOptions { ignore_mac: true };
                    match edited.decrypt_with_key(&key, ignore) {
                        Ok(tree) => {
                            assert_eq!(edited.clone().take_decrypted(&key, ignore).unwrap(), tree);
                            mac_cases += 1;
                        }
                        // Where the rules encrypt that key, the changed value does not decrypt.
                        Err(e) => assert_eq!(
                            edited.clone().take_decrypted(&key, ignore).map(|_| ()).unwrap_err().to_string(),
                            e.to_string()
                        ),
                    }
                }
            }
        }
        assert!(mac_cases >= 2, "the rule sets that leave c_unencrypted unencrypted: {mac_cases}");
    }

    #[test]
    fn regex_and_suffix_rules_select_values() {
        let plain = doc("secret_x: 1\nplain: 2\n");
        let (f, _) =
            file_for(&plain, EncryptionRules { encrypted_regex: Some("^secret".into()), ..Default::default() });
        assert!(matches!(&f.branches[0][0], MapItem::Entry(_, Value::Str(s)) if s.starts_with("ENC[")));
        assert_eq!(f.branches[0][1], MapItem::Entry("plain".into(), Value::Int(2)));
        let (f, _) = file_for(&plain, EncryptionRules { encrypted_suffix: Some("_x".into()), ..Default::default() });
        assert_eq!(f.branches[0][1], MapItem::Entry("plain".into(), Value::Int(2)));
    }

    #[test]
    fn comment_regexes_follow_sops() {
        let plain = doc("# sops:enc\na: 1\nb: 2\n");
        let (f, key) = file_for(
            &plain,
            EncryptionRules { encrypted_comment_regex: Some("sops:enc".into()), ..Default::default() },
        );
        assert_eq!(f.branches[0][0], MapItem::Comment(Comment { text: " sops:enc".into(), inline: false }));
        assert!(matches!(&f.branches[0][1], MapItem::Entry(_, Value::Str(s)) if s.starts_with("ENC[")));
        assert_eq!(f.branches[0][2], MapItem::Entry("b".into(), Value::Int(2)));
        assert_eq!(f.decrypt_with_key(&key, DecryptOptions::default()).unwrap(), plain);
        let (f, _) = file_for(
            &plain,
            EncryptionRules { unencrypted_comment_regex: Some("sops:enc".into()), ..Default::default() },
        );
        assert_eq!(f.branches[0][1], MapItem::Entry("a".into(), Value::Int(1)));
        assert!(matches!(&f.branches[0][2], MapItem::Entry(_, Value::Str(s)) if s.starts_with("ENC[")));
    }

    #[test]
    fn mac_only_encrypted_ignores_plain_values() {
        let plain = doc("a: 1\nb_unencrypted: 2\n");
        let (f, key) = file_for(&plain, EncryptionRules { mac_only_encrypted: true, ..Default::default() });
        let mut changed = f.clone();
        changed.branches[0][1] = MapItem::Entry("b_unencrypted".into(), Value::Int(3));
        assert!(changed.decrypt_with_key(&key, DecryptOptions::default()).is_ok());
        let (full, key2) = file_for(&plain, EncryptionRules::default());
        let mut changed = full.clone();
        changed.branches[0][1] = MapItem::Entry("b_unencrypted".into(), Value::Int(3));
        assert!(matches!(changed.decrypt_with_key(&key2, DecryptOptions::default()), Err(SopsError::MacMismatch)));
    }

    #[test]
    fn set_values_parse_as_json() {
        assert_eq!(value_from_json("\"x\"").unwrap(), Value::Str("x".into()));
        assert_eq!(value_from_json("3").unwrap(), Value::Int(3));
        assert!(value_from_json("bare").is_err());
    }
}
