//! ssp — the Support Sphere platform CLI, as a library.
//!
//! Layers, top to bottom: `main.rs` → [`cli`] (clap types) → [`commands`] (one file per subcommand:
//! parse, call services, print) → services ([`cluster`], [`release`], [`images`], [`seed`], [`secrets`],
//! [`tools`], [`preflight`]) → the adapters they stand on ([`k8s`] for the Kubernetes API, [`sops`]
//! the SOPS engine, [`config`]) → [`platform`]. Imports only run downwards; services never print:
//! they report through the [`platform::output::Output`] handle. The services are our `ops` layer
//! (cargo's `src/cargo/ops` under its thin `commands/`); [`platform::runner`] is our one runner
//! (cargo's `ProcessBuilder`); [`cluster::access::ClusterAccess`] is the one cluster-access value
//! passed down (kube-rs builds its `Client` once).
//!
//! The module map, the same list as the README's "Repository layout" (tests/layout.rs keeps them
//! equal):
//!
//! - `main.rs` — the entry point: parse, run, map the error to an exit status.
//! - `lib.rs` — the crate root and this map of its modules.
//! - `context.rs` — what a command loads: the project, the output handle, the runner.
//! - `exit.rs` — exit statuses (0, 1, 2, 130, and sops' own under `ssp sops`).
//! - `preflight.rs` — `ssp doctor`'s checks (Docker, host ports, programs).
//! - `cli/` — the clap types; the SOPS, db and images arguments in files of their own (the SOPS ones defined once and flattened into each sops verb).
//! - `commands/` — one file per subcommand: parse → call services → print.
//! - `cluster/` — the k3d cluster (the k3d binary, its serde config, provisioning) and
//!   `ClusterAccess`, the one way to reach a cluster (context, client, helm's kubeconfig).
//! - `release/` — the chart checkout, the values (loaded, decrypted, checked), helm, the registry
//!   pull secret, the deploy (upgrade, wait, probe), the stack's endpoints and keys, the chart's
//!   object names.
//! - `images/` — the release's images: rendered by `helm template`, their references, where each
//!   one is (host Docker, the cluster's nodes, its registry), the registry-to-registry mirror over
//!   the OCI distribution API.
//! - `seed/` — the seed image built through the Docker API, and the Job that runs it.
//! - `secrets/` — the edit flow, the key sources and their preflight, the old tasks' leftover plaintext.
//! - `k8s/` — kube clients, readiness, the release waiter, workload listing, the pod post-mortem,
//!   the live status watch, log streaming (`ssp logs`), port-forwarding, exec in a pod (`ssp db`),
//!   failure triage.
//! - `tools/` — the pinned tools: manifest, download, install, lock.
//! - `config/` — `ssp.toml`, its layers and origins, project discovery.
//! - `sops/` — the SOPS engine, a pure library: tree, cipher, metadata, key types, stores.
//! - `platform/` — the runner (every external program), the blocking crossing, the prompt,
//!   interrupts, output, atomic writes, local stdin/terminal for exec, the Docker client,
//!   core-dump protection, durations.

// stdout is written with `write!` and its errors returned: `print!`/`println!` panic when stdout's
// reader is gone (`ssp sops filestatus f | head -0`), and a panic is reported as a bug.
#![deny(clippy::print_stdout)]

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod context;
pub mod exit;
pub mod images;
pub mod k8s;
pub mod platform;
pub mod preflight;
pub mod release;
pub mod secrets;
pub mod seed;
pub mod sops;
pub mod tools;
