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

/// [`deployed`], with the database pod's exec running against the test's real PostgreSQL.
fn deployed_with_postgres(test: &str) -> Option<(Stack, String)> {
    let pg = support::postgres::server(test)?;
    let stack = deployed()?;
    let pod = stack
        .api
        .list("pods", Some("default"))
        .into_iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .find(|name| name.starts_with("supabase-supabase-db-"))
        .expect("the autopilot ran the db Deployment's pod");
    stack.api.set_exec_handler("default", &pod, pg.exec_handler());
    Some((stack, pod))
}

#[test]
fn shell_c_writes_and_reads_rows_through_psql_in_the_db_pod() {
    let Some((stack, pod)) = deployed_with_postgres("shell_c_writes_and_reads_rows") else { return };
    let table = format!("db_shell_notes_{}", std::process::id());
    let create = stack
        .ssp()
        .args([
            "db",
            "shell",
            "-c",
            &format!(
                "create table {table} (id int, body text); insert into {table} values (1, 'first'), (2, 'second')"
            ),
        ])
        .run();
    create.success();
    assert_eq!(create.stdout, "CREATE TABLE\nINSERT 0 2\n");
    let read = stack.ssp().args(["db", "shell", "-c", &format!("select id, body from {table} order by id")]).run();
    read.success();
    assert_eq!(read.stdout, " id |  body  \n----+--------\n  1 | first\n  2 | second\n(2 rows)\n\n");
    let execs = stack.api.execs();
    assert_eq!(execs.len(), 2);
    assert_eq!(execs[1].call.pod, pod);
    assert_eq!(
        execs[1].call.command,
        [
            "psql",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            &format!("select id, body from {table} order by id")
        ]
    );
    assert!(!execs[1].call.stdin && !execs[1].call.tty);
    assert!(execs.iter().all(|e| !e.call.command.concat().contains(DB_PASSWORD)), "no password on a command line");
    stack.ssp().args(["db", "shell", "-c", &format!("drop table {table}")]).run().success().stdout_has("DROP TABLE\n");
}

#[test]
fn shell_c_exits_with_psqls_status_and_relays_its_error() {
    let Some((stack, _)) = deployed_with_postgres("shell_c_exits_with_psqls_status") else { return };
    let out = stack.ssp().args(["db", "shell", "-c", "select * from no_such_table"]).run();
    out.status(1);
    assert_eq!(out.stdout, "");
    out.stderr_has("ERROR:  relation \"no_such_table\" does not exist");
    out.stderr_has("psql exited with status 1");
}

#[test]
fn shell_without_c_is_a_usage_error_and_without_a_db_pod_says_so() {
    let Some(stack) = deployed() else { return };
    let out = stack.ssp().args(["db", "shell"]).run();
    out.status(2);
    out.stderr_has("--command <SQL>");
    for pod in stack.api.list("pods", Some("default")) {
        stack.api.delete("pods", "default", pod["metadata"]["name"].as_str().unwrap());
    }
    let out = stack.ssp().args(["db", "shell", "-c", "select 1"]).run();
    out.status(1);
    out.stderr_has("no running pod matches app.kubernetes.io/name=supabase-db,app.kubernetes.io/instance=supabase in namespace default");
    assert!(stack.api.execs().is_empty());
}
