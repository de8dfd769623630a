//! Links the `ssp` binary with packed relative relocations (`-z pack-relative-relocs`, DT_RELR)
//! where the C library that will load it understands them (glibc 2.36 and later).
//!
//! ssp is a position-independent executable with ~59,000 relative relocations (vtables, panic
//! locations, string tables). As classic RELA entries they take 1.4 MB that the dynamic loader
//! reads, page by page, in every process — 1.4 MiB of each run's peak RSS, before `main`. DT_RELR
//! stores the same relocations in ~17 KB. Measured with `cargo bench --bench sops_process`: peak RSS
//! of `ssp sops decrypt` 11.5 → 10.1 MiB (values file) and 16.8 → 15.5 MiB (10,000 leaves); the
//! binary stays position-independent (ASLR kept), which linking without PIE would have given up.
//!
//! A glibc older than 2.36 cannot load such a binary, so the flag is only passed when building
//! for the machine that builds (as the README does) and its glibc is new enough. The linker must
//! know the option: rust-lld (Rust's default on x86_64 Linux) and GNU ld 2.38+ do; an older GNU ld
//! ignores it with a warning and writes classic relocations.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target != host || target_os != "linux" || target_env != "gnu" {
        return;
    }
    if host_glibc().is_some_and(|(major, minor)| (major, minor) >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    // `SSP_NO_PIE=1 cargo build --release`: the binary linked at a fixed address, without
    // address-space randomisation of ssp's own code and data (as Go links sops, helm and k3d).
    // No relocated data to copy page by page at start: ~0.6 ms less for every run on the test
    // machine, which the issue-15 targets for small SOPS files need (README, "Performance").
    // Not the default: it gives up a hardening that Rust and the distributions turn on.
    println!("cargo:rerun-if-env-changed=SSP_NO_PIE");
    if std::env::var_os("SSP_NO_PIE").is_some_and(|v| v == "1") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// The version of the glibc this build script runs on (the same machine the binary is for).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn host_glibc() -> Option<(u32, u32)> {
    unsafe extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
    // SAFETY: glibc returns a pointer to a static, NUL-terminated version string.
    let version = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) }.to_str().ok()?;
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn host_glibc() -> Option<(u32, u32)> {
    None
}
