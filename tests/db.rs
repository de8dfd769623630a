//! `ssp db` against a release the real helm v3.19.0 installed into the API double (no Docker
//! needed: `db url` only reads the chart's Secret and Service).
mod support;

use support::stack::{DB_PASSWORD, Stack, StackOptions, small_release};

fn deployed() -> Option<Stack> {
    let stack = Stack::new(StackOptions { ..Default::default() })?;
    stack.deployed(&small_release());
    Some(stack)
}

#[test]
fn url_is_the_host_ports_connection_string_with_the_password_masked_unless_asked() {
    let Some(stack) = deployed() else { return };
    let out = stack.ssp().args(["db", "url"]).run();
    out.success();
    assert_eq!(out.stdout, format!("postgres://postgres:********@localhost:{}/postgres\n", stack.db_port));
    out.stderr_has("the password is masked: --show-secrets prints it");
    assert!(!out.stderr.contains(DB_PASSWORD), "{}", out.stderr);

    let shown = stack.ssp().args(["db", "url", "--show-secrets"]).run();
    shown.success();
    assert_eq!(shown.stdout, format!("postgres://postgres:{DB_PASSWORD}@localhost:{}/postgres\n", stack.db_port));
    assert!(!shown.stderr.contains("masked"), "{}", shown.stderr);

    let reads: Vec<String> = stack.api.request_lines();
    assert!(reads.iter().all(|l| l.starts_with("GET ")), "db url changes nothing: {reads:?}");
    assert!(reads.contains(&"GET /api/v1/namespaces/default/secrets/supabase-db".to_string()), "{reads:?}");
}

#[test]
fn internal_url_names_the_db_service_and_its_port() {
    let Some(stack) = deployed() else { return };
    let out = stack.ssp().args(["db", "url", "--internal"]).run();
    out.success();
    assert_eq!(
        out.stdout,
        "postgres://postgres:********@supabase-supabase-db.default.svc.cluster.local:5432/postgres\n"
    );
    // The port is the Service's, not an assumption.
    stack
        .api
        .update("services", "default", "supabase-supabase-db", |svc| svc["spec"]["ports"][0]["port"] = 6543.into());
    let shown = stack.ssp().args(["db", "url", "--internal", "--show-secrets"]).run();
    shown.success();
    assert_eq!(
        shown.stdout,
        format!("postgres://postgres:{DB_PASSWORD}@supabase-supabase-db.default.svc.cluster.local:6543/postgres\n")
    );
}

#[test]
fn url_without_a_deployed_stack_says_so() {
    let Some(stack) = Stack::new(StackOptions { ..Default::default() }) else { return };
    stack.cluster_running();
    let out = stack.ssp().args(["db", "url"]).run();
    out.status(1);
    assert_eq!(out.stdout, "");
    out.stderr_has("the database Secret supabase-db is not in namespace default: is the stack deployed?");
    out.stderr_has("`ssp setup-infra`");
}

#[test]
fn url_without_a_host_port_for_postgres_points_at_internal() {
    let Some(stack) = deployed() else { return };
    let toml = std::fs::read_to_string(stack.project.root().join("ssp.toml")).unwrap();
    let without = toml.replace(&format!(", \"{}:5432@loadbalancer\"", stack.db_port), "");
    assert_ne!(toml, without);
    stack.project.write("ssp.toml", without);
    let out = stack.ssp().args(["db", "url"]).run();
    out.status(1);
    assert_eq!(out.stdout, "");
    out.stderr_has("no host port maps to the database");
    out.stderr_has("`ssp db url --internal`");
    stack.ssp().args(["db", "url", "--internal"]).run().success().stdout_has(".svc.cluster.local:5432/postgres");
}
