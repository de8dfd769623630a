//! Kubeconfig files pointing at the API double.
//!
//! Layout as `k3d kubeconfig get <name>` writes it (k3d `pkg/client/kubeconfig.go`): cluster,
//! context and user named `k3d-<name>` / `k3d-<name>` / `admin@k3d-<name>`, `current-context`
//! set. The server is plain `http://127.0.0.1:<port>`: kubectl and kube-rs (its rustls
//! connector is built `https_or_http`) both accept it, so no certificate is needed. The user
//! carries a static bearer token so tests can see that clients send credentials.

/// The token the kubeconfig's user presents.
pub const TOKEN: &str = "ssp-test-token";

/// Kubeconfig YAML for `server` with cluster and context `context`.
pub fn render(server: &str, context: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: {server}
  name: {context}
contexts:
- context:
    cluster: {context}
    user: admin@{context}
  name: {context}
current-context: {context}
preferences: {{}}
users:
- name: admin@{context}
  user:
    token: {TOKEN}
"
    )
}
