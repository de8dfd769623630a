//! Parse + decrypt of arbitrary input in every format: the first byte picks the format, the rest is
//! the file. Plaintext parsing and re-emitting, encrypted-file loading, decryption with a fixed data
//! key and through the key sources (an age identity; a gpg that always fails), and what ssp encrypts
//! itself must decrypt with a valid MAC. Nothing may panic.
//!
//! The engine is compiled straight from `src/sops/` so this crate does not build the CLI's
//! dependencies (kube, bollard, …).
//!
//! Run: `cargo +nightly fuzz run -O sops_parse_decrypt CORPUS -- -max_total_time=660`, with CORPUS
//! seeded outside the repository from `../shared/fixtures/sops/getsops` (one format byte prefixed).
//! Recorded runs on the 2-core dev machine: 661 s, 250,478 executions, 7,369 new units, no crash;
//! after the YAML analysis fast path and the KMS work: 661 s, 491,285 executions, 11,485 new units,
//! no crash.
#![no_main]

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../src/sops/mod.rs"]
mod sops;

use std::path::Path;
use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use sops::keys::{GpgOutput, GpgProgram, NoKms};
use sops::{
    AgeIdentities, DataKey, DecryptOptions, Document, Format, KeySources, Metadata, SopsConfig, SopsFile, StoreOptions,
    parse_path, stores, value_from_json,
};

struct NoGpg;

impl GpgProgram for NoGpg {
    fn run(&self, _args: &[&str], _stdin: &[u8]) -> std::io::Result<GpgOutput> {
        Ok(GpgOutput { success: false, stdout: Default::default(), stderr: "gpg: decryption failed: No secret key".into() })
    }
}

const IDENTITY: &str = "AGE-SECRET-KEY-1RGDUXP9E7M0V46C4P6EUR27YWSXYN9S5SV2ES33W7RZHU3ZW290SED2HGG";

static KEY: LazyLock<DataKey> = LazyLock::new(|| DataKey::from_slice(&[7u8; 32]).unwrap());
static SOURCES: LazyLock<KeySources> = LazyLock::new(|| KeySources {
    age: AgeIdentities::from_keys_text(IDENTITY, "fuzz"),
    gpg: Arc::new(NoGpg),
    kms: Arc::new(NoKms),
});

const FORMATS: [Format; 5] = [Format::Yaml, Format::Json, Format::Dotenv, Format::Ini, Format::Binary];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let format = FORMATS[selector as usize % FORMATS.len()];
    let opts = StoreOptions::default();

    if let Ok(branches) = stores::parse_plain(format, input) {
        let _ = stores::emit_plain(format, &branches, &opts);
        let plain = Document::new(branches);
        let template = SopsFile {
            format,
            branches: Vec::new(),
            metadata: Metadata {
                key_groups: vec![vec![]],
                shamir_threshold: None,
                last_modified: String::new(),
                mac: String::new(),
                rules: sops::EncryptionRules::default().normalized().unwrap(),
                version: "3.10.2".into(),
            },
            store_options: opts,
        };
        if let Ok(encrypted) = template.reencrypt(&plain, &KEY) {
            // What ssp encrypts, it decrypts, MAC included.
            let back = encrypted.decrypt_with_key(&KEY, DecryptOptions::default());
            assert!(back.is_ok(), "own encryption does not decrypt: {:?}", back.err());
            if let Ok(bytes) = encrypted.to_bytes() {
                let _ = SopsFile::load(&bytes, format).map(|f| f.decrypt_with_key(&KEY, DecryptOptions::default()));
            }
        }
    }

    if let Ok(file) = SopsFile::load(input, format) {
        let _ = file.to_bytes();
        let _ = file.decrypt_with_key(&KEY, DecryptOptions { ignore_mac: true });
        let _ = file.decrypt_with_key(&KEY, DecryptOptions::default());
        if let Ok(d) = file.decrypt(&SOURCES, DecryptOptions { ignore_mac: true }) {
            let _ = file.emit_plain(&d.document, format);
        }
    }

    if let Ok(text) = std::str::from_utf8(input) {
        let _ = parse_path(text);
        let _ = value_from_json(text);
        let _ = SopsConfig::parse(text, Path::new("/repo/.sops.yaml"));
    }
});
