//! SOPS engine speed: decrypt and encrypt of a values file of the real size (~200 lines, the
//! repository's example cloud values) and of a 10,000-leaf file (~1 MB encrypted), in-process.
//! Target: the 10,000-leaf decrypt under 100 ms (median). Run with `cargo bench --bench sops`.
//!
//! Decrypt = parse the encrypted file + unwrap the data key (age) + decrypt every value + check the
//! MAC + write the plaintext. Encrypt = parse the plaintext + new data key wrapped for one age
//! recipient + encrypt every value + MAC + write the encrypted file.

use std::hint::black_box;
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use ssp::sops::keys::NoKms;
use ssp::sops::{
    AgeIdentities, DecryptOptions, Document, EncryptionRules, EncryptionSpec, Format, KeySources, RecipientGroup,
    SopsFile, SystemGpg, stores,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(name: &str, iterations: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    let (min, med) = (*samples.iter().min().unwrap(), median(samples.clone()));
    println!("{name:<40} median {:>9.3} ms   min {:>9.3} ms   ({iterations} runs)", ms(med), ms(min));
    med
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A 10,000-leaf YAML values file: 100 services × (image, env, probes, resources …).
fn large_plaintext() -> String {
    let mut out = String::new();
    for s in 0..100 {
        out.push_str(&format!("service{s:03}:\n"));
        out.push_str("    environment:\n");
        for e in 0..60 {
            out.push_str(&format!("        VAR_{e:02}: value-{s}-{e}-with-some-realistic-length-text\n"));
        }
        out.push_str("    ports:\n");
        for p in 0..20 {
            out.push_str(&format!("        - {}\n", 8000 + p));
        }
        out.push_str("    settings:\n");
        for k in 0..19 {
            out.push_str(&format!("        flag{k:02}: {}\n", k % 2 == 0));
        }
        out.push_str("    ratio: 0.25\n");
    }
    out
}

fn main() {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let sources = KeySources {
        age: AgeIdentities::from_keys_text(id.to_string().expose_secret(), "bench"),
        gpg: std::sync::Arc::new(SystemGpg::from_env()),
        kms: std::sync::Arc::new(NoKms),
    };
    let spec = EncryptionSpec {
        groups: vec![RecipientGroup { age: vec![recipient], ..Default::default() }],
        shamir_threshold: None,
        rules: EncryptionRules::default(),
    };

    let example = std::fs::read("deployment/values.cloud.yaml").expect("run from the repository root");
    let example_key = std::fs::read_to_string("deployment/example.agekey").unwrap();
    let example_sources = KeySources {
        age: AgeIdentities::from_keys_text(&example_key, "example key"),
        gpg: std::sync::Arc::new(SystemGpg::from_env()),
        kms: std::sync::Arc::new(NoKms),
    };
    let example_plain = {
        let f = SopsFile::load(&example, Format::Yaml).unwrap();
        let d = f.decrypt(&example_sources, DecryptOptions::default()).unwrap();
        f.emit_plain(&d.document, Format::Yaml).unwrap().to_vec()
    };
    let large_plain = large_plaintext().into_bytes();

    let encrypt = |plain: &[u8]| -> Vec<u8> {
        let doc = Document::new(stores::parse_plain(Format::Yaml, plain).unwrap());
        SopsFile::encrypt_new(&doc, Format::Yaml, &spec, &sources).unwrap().to_bytes().unwrap()
    };
    let large_enc = encrypt(&large_plain);
    let leaves = large_plain.iter().filter(|b| **b == b'\n').count() - 100 * 4;
    println!(
        "values file: {} lines, {} bytes encrypted; large file: {leaves} leaves, {} bytes plaintext, {} bytes encrypted",
        example_plain.iter().filter(|b| **b == b'\n').count(),
        example.len(),
        large_plain.len(),
        large_enc.len()
    );

    let decrypt = |bytes: &[u8], sources: &KeySources| -> usize {
        let f = SopsFile::load(bytes, Format::Yaml).unwrap();
        let d = f.decrypt(sources, DecryptOptions::default()).unwrap();
        f.emit_plain(&d.document, Format::Yaml).unwrap().len()
    };
    measure("decrypt values file (~200 lines)", 50, || {
        black_box(decrypt(black_box(&example), &example_sources));
    });
    measure("encrypt values file (~200 lines)", 50, || {
        black_box(encrypt(black_box(&example_plain)));
    });
    let large_decrypt = measure("decrypt 10,000 leaves (~1 MB)", 15, || {
        black_box(decrypt(black_box(&large_enc), &sources));
    });
    measure("encrypt 10,000 leaves", 15, || {
        black_box(encrypt(black_box(&large_plain)));
    });
    println!(
        "target: 10,000-leaf decrypt under 100 ms: {} ({:.1} ms)",
        if large_decrypt < Duration::from_millis(100) { "met" } else { "NOT met" },
        ms(large_decrypt)
    );
}
