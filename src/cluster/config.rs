//! The k3d config file for `[cluster]`: k3d's `Simple` config (`k3d.io/v1alpha5`, see k3d
//! `pkg/config/v1alpha5/types.go`) serialised from typed structs, written to
//! `.ssp/k3d-<name>.yaml` for `k3d cluster create --config`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_saphyr::DoubleQuoted;

use crate::config::{ClusterConfig, PortMapping};
use crate::platform::atomic_write;

/// The comment that heads the rendered file.
const HEADER: &str = "# k3d cluster config, rendered by ssp from [cluster] in its configuration (`ssp config`).\n\
                      # Change ssp.toml, not this file: ssp renders it afresh for every `k3d cluster create`.\n";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SimpleConfig<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    servers: u32,
    agents: u32,
    // Quoted as k3d's own examples write them (they hold `:`).
    image: DoubleQuoted<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<PortWithNodeFilters>,
    options: Options,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortWithNodeFilters {
    port: DoubleQuoted<String>,
    node_filters: Vec<String>,
}

#[derive(Serialize)]
struct Options {
    k3d: K3dOptions,
    kubeconfig: KubeconfigOptions,
}

#[derive(Serialize)]
struct K3dOptions {
    wait: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KubeconfigOptions {
    update_default_kubeconfig: bool,
    switch_current_context: bool,
}

/// The config for `[cluster]`: name, one server, the k3s image, the port mappings, and whether to
/// merge the kubeconfig. Rendered from the configuration so the file and `ssp.toml` never disagree.
pub fn render(cluster: &ClusterConfig) -> String {
    HEADER.to_string() + &render_body(cluster)
}

/// [`render`] without its comment header.
pub fn render_body(cluster: &ClusterConfig) -> String {
    let config = SimpleConfig {
        api_version: "k3d.io/v1alpha5",
        kind: "Simple",
        metadata: Metadata { name: &cluster.name },
        servers: 1,
        agents: 0,
        image: DoubleQuoted(&cluster.k3s_image),
        ports: cluster.ports.iter().map(port_entry).collect(),
        options: Options {
            k3d: K3dOptions { wait: true },
            kubeconfig: KubeconfigOptions {
                update_default_kubeconfig: cluster.update_kubeconfig,
                switch_current_context: cluster.update_kubeconfig,
            },
        },
    };
    let options = serde_saphyr::ser_options! { compact_list_indent: false };
    // Plain structs of strings, numbers and booleans: serialising them cannot fail.
    serde_saphyr::to_string_with_options(&config, options).expect("the k3d config serialises")
}

fn port_entry(port: &PortMapping) -> PortWithNodeFilters {
    // Always an explicit host IP: without one k3d (Docker) publishes on every interface.
    let ip = port.host_ip.clone().unwrap_or_else(|| port.bind_ip().to_string());
    let mut spec = format!("{ip}:{}:{}", port.host_port, port.container_port);
    if let Some(proto) = &port.protocol {
        spec.push('/');
        spec.push_str(proto);
    }
    let filter = port.node_filter.clone().unwrap_or_else(|| "loadbalancer".to_string());
    PortWithNodeFilters { port: DoubleQuoted(spec), node_filters: vec![filter] }
}

/// Where the config for cluster `name` is written in the project at `root`.
pub fn path(root: &Path, name: &str) -> PathBuf {
    root.join(".ssp").join(format!("k3d-{name}.yaml"))
}

/// Writes the rendered config to `file` atomically (it holds no secrets), creating its folder.
pub fn write(file: &Path, cluster: &ClusterConfig) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    atomic_write::replace(file, render(cluster).as_bytes(), 0o644)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_bind_loopback_unless_an_ip_is_given() {
        let mut cluster: ClusterConfig =
            crate::config::load_layers(std::path::Path::new("/p"), None, None, &[], &|_| None).unwrap().config.cluster;
        let rendered = render(&cluster);
        assert!(rendered.contains("  - port: \"127.0.0.1:80:80\"\n"), "{rendered}");
        assert!(rendered.contains("  - port: \"127.0.0.1:5432:5432\"\n"), "{rendered}");
        cluster.ports = vec!["8080:80@loadbalancer".parse().unwrap(), "0.0.0.0:8443:443".parse().unwrap()];
        let rendered = render(&cluster);
        assert!(rendered.contains("  - port: \"127.0.0.1:8080:80\"\n"), "{rendered}");
        assert!(rendered.contains("  - port: \"0.0.0.0:8443:443\"\n"), "{rendered}");
        assert!(!rendered.contains("\"8080:80\""), "{rendered}");
        assert_eq!(cluster.ports.iter().map(PortMapping::beyond_loopback).collect::<Vec<_>>(), [false, true]);
    }

    #[test]
    fn the_rendered_config_reads_back_as_k3d_reads_it() {
        let cluster: ClusterConfig =
            crate::config::load_layers(std::path::Path::new("/p"), None, None, &[], &|_| None).unwrap().config.cluster;
        let value: serde_json::Value = serde_saphyr::from_str(&render(&cluster)).unwrap();
        assert_eq!(value["apiVersion"], "k3d.io/v1alpha5");
        assert_eq!(value["kind"], "Simple");
        assert_eq!(value["metadata"]["name"], cluster.name.as_str());
        assert_eq!(value["servers"], 1);
        assert_eq!(value["image"], cluster.k3s_image.as_str());
        assert_eq!(value["ports"][0]["nodeFilters"][0], "loadbalancer");
        assert_eq!(value["options"]["kubeconfig"]["updateDefaultKubeconfig"], true);
    }
}
