//! ssp's SOPS engine side by side with the `rops` crate (0.1.7, a dev-dependency): decrypt and
//! encrypt of a values file of the real size (~200 lines: the repository's example cloud values)
//! and of a 10,000-leaf file (~1 MB encrypted), YAML, one age recipient, in-process, medians.
//! Targets: ssp no slower than rops on each; the 10,000-leaf decrypt under 100 ms.
//! Run with `cargo bench --bench sops_vs_rops`.
//!
//! Both sides do the same work from the same plaintext, each on its own encrypted file:
//! decrypt = parse the encrypted file + unwrap the data key (age) + decrypt every value + check the
//! MAC + write the plaintext YAML; encrypt = parse the plaintext + new data key wrapped for the
//! recipient + encrypt every value + MAC + write the encrypted file. (ssp also keeps and encrypts
//! comments; rops drops them. The values file has a few.)

use std::hint::black_box;
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use rops::cryptography::cipher::AES256GCM;
use rops::cryptography::hasher::SHA512;
use rops::file::RopsFile;
use rops::file::builder::RopsFileBuilder;
use rops::file::format::{FileFormat, YamlFileFormat};
use rops::file::state::EncryptedFile;
use rops::integration::{AgeIntegration, Integration};
use ssp::sops::keys::NoKms;
use ssp::sops::{
    AgeIdentities, DecryptOptions, Document, EncryptionRules, EncryptionSpec, Format, KeySources, RecipientGroup,
    SopsFile, SystemGpg, stores,
};

type RopsEncrypted = RopsFile<EncryptedFile<AES256GCM, SHA512>, YamlFileFormat>;

/// Runs `a` and `b` alternately (a, b, b, a, …) so both see the same machine noise, after one
/// warm-up each; returns the median time of each and the median of the per-pair ratios a/b.
fn measure_pair(iterations: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration, f64) {
    a();
    b();
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iterations {
        let (x, y) = if i % 2 == 0 {
            let x = time(&mut a);
            (x, time(&mut b))
        } else {
            let y = time(&mut b);
            (time(&mut a), y)
        };
        ratios.push(x.as_secs_f64() / y.as_secs_f64());
        ta.push(x);
        tb.push(y);
    }
    ratios.sort_by(f64::total_cmp);
    (median(ta), median(tb), ratios[ratios.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

mod common;
use common::{large_plaintext, median};

fn main() {
    let id = age::x25519::Identity::generate();
    let secret = id.to_string().expose_secret().to_string();
    let recipient = id.to_public().to_string();
    // rops reads age identities only from the environment. SAFETY: this is the first statement
    // of a single-threaded `main` (harness = false, no thread started yet), the one situation in
    // which `set_var` is sound.
    unsafe {
        std::env::set_var("ROPS_AGE", &secret);
        std::env::set_var("ROPS_AGE_KEY_FILE", "/nonexistent/rops-bench-age-keys");
    }

    let sources = KeySources {
        age: AgeIdentities::from_keys_text(&secret, "bench"),
        gpg: std::sync::Arc::new(SystemGpg::from_env()),
        kms: std::sync::Arc::new(NoKms),
    };
    let spec = EncryptionSpec {
        groups: vec![RecipientGroup { age: vec![recipient.clone()], ..Default::default() }],
        shamir_threshold: None,
        rules: EncryptionRules::default(),
    };
    let rops_key = AgeIntegration::parse_key_id(&recipient).unwrap();

    let ssp_encrypt = |plain: &[u8]| -> Vec<u8> {
        let doc = Document::new(stores::parse_plain(Format::Yaml, plain).unwrap());
        SopsFile::encrypt_new(&doc, Format::Yaml, &spec, &sources).unwrap().to_bytes().unwrap()
    };
    let ssp_decrypt = |bytes: &[u8]| -> usize {
        let f = SopsFile::load(bytes, Format::Yaml).unwrap();
        let d = f.decrypt(&sources, DecryptOptions::default()).unwrap();
        f.emit_plain(&d.document, Format::Yaml).unwrap().len()
    };
    let rops_encrypt = |plain: &str| -> String {
        RopsFileBuilder::<YamlFileFormat>::new(plain)
            .unwrap()
            .add_integration_key::<AgeIntegration>(rops_key.clone())
            .encrypt::<AES256GCM, SHA512>()
            .unwrap()
            .to_string()
    };
    let rops_decrypt = |text: &str| -> usize {
        let file: RopsEncrypted = text.parse().unwrap();
        let plain = file.decrypt::<YamlFileFormat>().unwrap();
        YamlFileFormat::serialize_to_string(&plain.into_inner_map()).unwrap().len()
    };

    let example = std::fs::read("deployment/values.cloud.yaml").expect("run from the repository root");
    let example_key = std::fs::read_to_string("deployment/example.agekey").unwrap();
    let example_plain = {
        let f = SopsFile::load(&example, Format::Yaml).unwrap();
        let example_sources = KeySources::with_age(AgeIdentities::from_keys_text(&example_key, "example key"));
        let d = f.decrypt(&example_sources, DecryptOptions::default()).unwrap();
        String::from_utf8(f.emit_plain(&d.document, Format::Yaml).unwrap().to_vec()).unwrap()
    };
    let large_plain = large_plaintext();

    // For instruction-level profiling (valgrind --tool=callgrind): one side of one case, 200 times
    // on the values file, or 10 times on the 10,000-leaf file with a `-10k` suffix.
    if let Ok(profile) = std::env::var("SSP_BENCH_PROFILE") {
        let (case, plain_text, runs) = match profile.strip_suffix("-10k") {
            Some(case) => (case, &large_plain, 10),
            None => (profile.as_str(), &example_plain, 200),
        };
        let plain = plain_text.as_bytes();
        let ssp_enc = ssp_encrypt(plain);
        let rops_enc = rops_encrypt(plain_text);
        for _ in 0..runs {
            match case {
                "ssp-encrypt" => drop(black_box(ssp_encrypt(black_box(plain)))),
                "rops-encrypt" => drop(black_box(rops_encrypt(black_box(plain_text)))),
                "ssp-decrypt" => drop(black_box(ssp_decrypt(black_box(&ssp_enc)))),
                "rops-decrypt" => drop(black_box(rops_decrypt(black_box(&rops_enc)))),
                _ => panic!(
                    "SSP_BENCH_PROFILE={profile}: use ssp-encrypt, rops-encrypt, ssp-decrypt or rops-decrypt, \
                     optionally with -10k (the 10,000-leaf file)"
                ),
            }
        }
        return;
    }

    println!("ssp vs rops 0.1.7: YAML, one age recipient; the two run alternately, N pairs after a warm-up;");
    println!("medians of each, and the median of the per-pair ratios (the figure the target is judged on)");
    println!("{:<34} {:>10} {:>10} {:>8}   target ssp <= rops", "case", "ssp ms", "rops ms", "ssp/rops");
    let mut all_met = true;
    let mut large_decrypt = Duration::ZERO;
    for (name, plain, runs) in [("values file", &example_plain, 400), ("10,000 leaves", &large_plain, 21)] {
        let ssp_enc = ssp_encrypt(plain.as_bytes());
        let rops_enc = rops_encrypt(plain);
        // Both decrypt their own file back to the same data.
        assert!(ssp_decrypt(&ssp_enc) > 0 && rops_decrypt(&rops_enc) > 0);
        println!(
            "-- {name}: {} lines, {} bytes plaintext; encrypted {} bytes (ssp), {} bytes (rops)",
            plain.lines().count(),
            plain.len(),
            ssp_enc.len(),
            rops_enc.len()
        );
        let rops_text = rops_enc;
        let (d_ssp, d_rops, d_ratio) = measure_pair(
            runs,
            || {
                black_box(ssp_decrypt(black_box(&ssp_enc)));
            },
            || {
                black_box(rops_decrypt(black_box(&rops_text)));
            },
        );
        let (e_ssp, e_rops, e_ratio) = measure_pair(
            runs,
            || {
                black_box(ssp_encrypt(black_box(plain.as_bytes())));
            },
            || {
                black_box(rops_encrypt(black_box(plain)));
            },
        );
        for (op, s, r, ratio) in [("decrypt", d_ssp, d_rops, d_ratio), ("encrypt", e_ssp, e_rops, e_ratio)] {
            let met = ratio <= 1.0;
            all_met &= met;
            println!(
                "{:<34} {:>10.3} {:>10.3} {:>8.2}   {}",
                format!("{op} {name} ({runs} runs)"),
                ms(s),
                ms(r),
                ratio,
                if met { "met" } else { "NOT met" }
            );
        }
        large_decrypt = d_ssp;
    }
    println!("target: ssp no slower than rops on every case: {}", if all_met { "met" } else { "NOT met" });
    println!(
        "target: 10,000-leaf decrypt under 100 ms: {} ({:.1} ms)",
        if large_decrypt < Duration::from_millis(100) { "met" } else { "NOT met" },
        ms(large_decrypt)
    );
}
