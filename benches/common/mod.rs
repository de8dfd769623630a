//! What several benchmarks share (a module folder, so cargo does not take it for a bench target).

/// A 10,000-leaf YAML values file: 100 services × (60 env vars, 20 ports, 19 flags, a ratio).
pub fn large_plaintext() -> String {
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
