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
fn the_client_uses_k3ds_merged_context_and_asks_k3d_when_it_is_gone() {
    let Some(stack) = deployed() else { return };
    let url = format!("postgres://postgres:********@localhost:{}/postgres\n", stack.db_port);
    let merged = stack.ssp().args(["db", "url"]).run();
    merged.success();
    assert_eq!(merged.stdout, url);
    assert_eq!(stack.k3d_calls(), Vec::<String>::new(), "the merged context needs no k3d process");

    // The user removed k3d's entry (or k3d could not merge it): another context only.
    stack.write_kubeconfig("staging");
    let asked = stack.ssp().args(["db", "url"]).run();
    asked.success();
    assert_eq!(asked.stdout, url);
    assert_eq!(stack.k3d_calls(), ["k3d kubeconfig get pdc-cluster"]);
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
fn shell_without_c_off_a_terminal_runs_the_script_on_stdin() {
    let Some((stack, _)) = deployed_with_postgres("shell_without_c_off_a_terminal") else { return };
    let out = stack.ssp().args(["db", "shell"]).stdin("select 6 * 7 as answer;\nselect 'second' as word;\n").run();
    out.success();
    assert_eq!(out.stdout, " answer \n--------\n     42\n(1 row)\n\n  word  \n--------\n second\n(1 row)\n\n");
    let execs = stack.api.execs();
    let call = &execs.last().unwrap().call;
    assert_eq!(
        call.command,
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-U", "postgres", "-d", "postgres"]
    );
    assert!(call.stdin && !call.tty && call.stderr);
    // The script stops at its first error, with psql's status (3) and the statement echoed.
    let out =
        stack.ssp().args(["db", "shell"]).stdin("select 1 as one;\nselect * from no_such_table;\nselect 2;\n").run();
    out.status(3);
    assert_eq!(out.stdout, " one \n-----\n   1\n(1 row)\n\n");
    out.stderr_has("ERROR:  relation \"no_such_table\" does not exist");
    out.stderr_has("select * from no_such_table;");
}

#[test]
fn without_a_db_pod_shell_dump_and_restore_say_so() {
    let Some(stack) = deployed() else { return };
    for pod in stack.api.list("pods", Some("default")) {
        stack.api.delete("pods", "default", pod["metadata"]["name"].as_str().unwrap());
    }
    let dump = stack.project.root().join("dump.sql");
    std::fs::write(stack.project.root().join("in.sql"), "select 1;\n").unwrap();
    for args in [
        vec!["db", "shell", "-c", "select 1"],
        vec!["db", "dump", "-o", dump.to_str().unwrap()],
        vec!["db", "restore", "--yes", "in.sql"],
    ] {
        let out = stack.ssp().args(&args).run();
        out.status(1);
        out.stderr_has("no running pod matches app.kubernetes.io/name=supabase-db,app.kubernetes.io/instance=supabase in namespace default");
        out.stderr_has("`ssp status`");
    }
    assert!(!dump.exists());
    assert_eq!(
        std::fs::read_dir(stack.project.root()).unwrap().count(),
        3,
        "no temp file left (deployment/, ssp.toml, in.sql)"
    );
    assert!(stack.api.execs().is_empty());
}

/// Runs SQL through `ssp db shell -c` and returns psql's stdout (unaligned, tuples only).
/// The command line of the last exec ssp opened in the database pod.
fn last_command(stack: &Stack) -> Vec<String> {
    stack.api.execs().last().expect("an exec").call.command.clone()
}

/// `pg_dump` as `ssp db dump` runs it: the connection, then `args`.
fn pg_dump(args: &[&str]) -> Vec<String> {
    ["pg_dump", "-U", "postgres", "-d", "postgres"].iter().chain(args).map(|a| a.to_string()).collect()
}

fn sql(stack: &Stack, statement: &str) -> String {
    let out = stack.ssp().args(["db", "shell", "-c", statement]).run();
    out.success();
    out.stdout.clone()
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn rows_survive_dump_drop_restore_through_ssp_db() {
    let Some((stack, pod)) = deployed_with_postgres("rows_survive_dump_drop_restore") else { return };
    // The db pod carries a sidecar, as the real chart's may: exec must name the db container.
    stack.api.update("pods", "default", &pod, |p| {
        let sidecar = serde_json::json!({"name": "metrics", "image": "exporter:1"});
        p["spec"]["containers"].as_array_mut().unwrap().push(sidecar);
    });
    let schema = format!("roundtrip_{}", std::process::id());
    sql(
        &stack,
        &format!(
            "create schema {schema}; create table {schema}.notes (id int primary key, body text); \
             insert into {schema}.notes values (1, 'first'), (2, 'tab\there'), (3, 'ünïcode')"
        ),
    );
    let file = stack.project.root().join("backup").join("dump.sql");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let out = stack.ssp().args(["db", "dump", "--schema", &schema, "-o", file.to_str().unwrap()]).run();
    out.success();
    assert_eq!(out.stdout, "", "the dump went to the file");
    out.stderr_has("database dumped to");
    let dumped = std::fs::read_to_string(&file).unwrap();
    assert!(dumped.contains(&format!("CREATE SCHEMA {schema};")), "{dumped}");
    assert!(dumped.contains(&format!("COPY {schema}.notes (id, body) FROM stdin;")), "{dumped}");
    assert!(dumped.contains("2\ttab\\there\n"), "{dumped}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "a dump holds data");
    assert_eq!(entries(file.parent().unwrap()), ["dump.sql"], "no temp file left beside it");

    // The same dump on stdout.
    let to_stdout = stack.ssp().args(["db", "dump", "--schema", &schema]).run();
    to_stdout.success();
    // pg_dump keys each dump's `\restrict` line at random (CVE-2025-8714); the rest is the same.
    let unkeyed = |dump: &str| -> String {
        dump.lines().filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict ")).collect()
    };
    assert_eq!(unkeyed(&to_stdout.stdout), unkeyed(&dumped));
    assert!(to_stdout.stdout.len() > 1000 && to_stdout.stdout.contains("PostgreSQL database dump complete"));

    let execs = stack.api.execs();
    let dump_call = &execs[execs.len() - 1].call;
    assert_eq!(dump_call.command, pg_dump(&["--strict-names", &format!("--schema={schema}")]));
    assert_eq!((dump_call.pod.as_str(), dump_call.container.as_str()), (pod.as_str(), "supabase-db"));
    assert!(!dump_call.stdin && !dump_call.tty && dump_call.stdout && dump_call.stderr);

    // Drop, restore from the file, read back.
    sql(&stack, &format!("drop schema {schema} cascade"));
    let gone = stack.ssp().args(["db", "shell", "-c", &format!("select count(*) from {schema}.notes")]).run();
    gone.status(1);
    let restored = stack.ssp().args(["db", "restore", "--yes", file.to_str().unwrap()]).run();
    restored.success();
    restored.stderr_has("restored");
    let call = stack.api.execs().last().unwrap().call.clone();
    assert_eq!(
        call.command,
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-U", "postgres", "-d", "postgres"]
    );
    assert!(call.stdin && !call.tty);
    assert_eq!(call.container, "supabase-db");
    let rows = format!("select id || '|' || body from {schema}.notes order by id");
    let read = stack.ssp().args(["db", "shell", "-c", &rows]).run();
    read.success();
    // (psql's aligned format shows the tab as spaces to the next tab stop.)
    assert_eq!(read.stdout, "   ?column?   \n--------------\n 1|first\n 2|tab   here\n 3|ünïcode\n(3 rows)\n\n");

    // Again from stdin (`-`).
    sql(&stack, &format!("drop schema {schema} cascade"));
    stack.ssp().args(["db", "restore", "--yes", "-"]).stdin(to_stdout.stdout.clone()).run().success();
    let again = stack.ssp().args(["db", "shell", "-c", &rows]).run();
    again.success();
    assert_eq!(again.stdout, read.stdout);
    sql(&stack, &format!("drop schema {schema} cascade"));
}

#[test]
fn schema_only_and_data_only_reach_pg_dump() {
    let Some((stack, _)) = deployed_with_postgres("schema_only_and_data_only") else { return };
    let schema = format!("parts_{}", std::process::id());
    sql(
        &stack,
        &format!(
            "create schema {schema}; create table {schema}.t (v text); insert into {schema}.t values ('row-data-marker')"
        ),
    );
    let schema_only = stack.ssp().args(["db", "dump", "--schema-only", "--schema", &schema]).run();
    schema_only.success();
    assert!(schema_only.stdout.contains(&format!("CREATE TABLE {schema}.t")), "{}", schema_only.stdout);
    assert!(!schema_only.stdout.contains("row-data-marker"), "{}", schema_only.stdout);
    assert_eq!(last_command(&stack), pg_dump(&["--schema-only", "--strict-names", &format!("--schema={schema}")]));

    let data_only = stack.ssp().args(["db", "dump", "--data-only", "--schema", &schema, "--schema", "public"]).run();
    data_only.success();
    assert!(data_only.stdout.contains("row-data-marker"), "{}", data_only.stdout);
    assert!(!data_only.stdout.contains("CREATE TABLE"), "{}", data_only.stdout);
    assert_eq!(
        last_command(&stack),
        pg_dump(&["--data-only", "--strict-names", &format!("--schema={schema}"), "--schema=public"])
    );
    let before = stack.api.execs().len();
    let both = stack.ssp().args(["db", "dump", "--data-only", "--schema-only"]).run();
    both.status(2);
    both.stderr_has("cannot be used with");
    assert_eq!(stack.api.execs().len(), before, "a usage error runs nothing");
    sql(&stack, &format!("drop schema {schema} cascade"));
}

#[test]
fn a_failed_dump_exits_1_with_pg_dumps_error_and_leaves_no_file() {
    let Some((stack, _)) = deployed_with_postgres("a_failed_dump_exits_1") else { return };
    let dir = stack.project.root().join("dumps");
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = dir.join("fresh.sql");
    let out = stack.ssp().args(["db", "dump", "--schema", "no_such_schema", "-o", fresh.to_str().unwrap()]).run();
    out.status(1);
    assert_eq!(out.stdout, "");
    out.stderr_has("pg_dump: error: no matching schemas were found for pattern \"no_such_schema\"");
    out.stderr_has("pg_dump exited with status 1");
    out.stderr_has("fresh.sql was not written");
    assert!(entries(&dir).is_empty(), "no partial dump, no temp file: {:?}", entries(&dir));

    // An existing file keeps its content when a dump into it fails.
    let kept = dir.join("kept.sql");
    std::fs::write(&kept, "-- yesterday's dump\n").unwrap();
    let out = stack.ssp().args(["db", "dump", "--schema", "no_such_schema", "-o", kept.to_str().unwrap()]).run();
    out.status(1);
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "-- yesterday's dump\n");
    assert_eq!(entries(&dir), ["kept.sql"]);

    // To stdout: the same error and status.
    let out = stack.ssp().args(["db", "dump", "--schema", "no_such_schema"]).run();
    out.status(1);
    out.stderr_has("no matching schemas were found");

    // A folder that does not exist is said before anything runs.
    let before = stack.api.execs().len();
    let out = stack.ssp().args(["db", "dump", "-o", dir.join("missing/d.sql").to_str().unwrap()]).run();
    out.status(1);
    out.stderr_has("cannot write");
    assert_eq!(stack.api.execs().len(), before);
}

#[test]
fn restoring_bad_sql_stops_at_the_failing_statement_with_psqls_status() {
    let Some((stack, _)) = deployed_with_postgres("restoring_bad_sql") else { return };
    let schema = format!("bad_{}", std::process::id());
    let file = stack.project.write(
        "bad.sql",
        format!(
            "create schema {schema};\ncreate table {schema}.before (v int);\ninsert into {schema}.before values (1);\n\
             insert into {schema}.nowhere values (2);\ncreate table {schema}.after (v int);\n"
        ),
    );
    let out = stack.ssp().args(["db", "restore", "--yes", file.to_str().unwrap()]).run();
    out.status(3);
    out.stderr_has(&format!("ERROR:  relation \"{schema}.nowhere\" does not exist"));
    out.stderr_has(&format!("insert into {schema}.nowhere values (2);"));
    out.stderr_has("psql exited with status 3");
    assert_eq!(out.stdout, "CREATE SCHEMA\nCREATE TABLE\nINSERT 0 1\n");
    // Stopped there: what came before is applied, what came after is not.
    let tables = sql(
        &stack,
        &format!("select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = '{schema}'"),
    );
    assert!(tables.contains(" before\n"), "{tables}");
    assert!(!tables.contains("after"), "{tables}");
    sql(&stack, &format!("drop schema {schema} cascade"));

    let missing = stack.ssp().args(["db", "restore", "--yes", "no-such-file.sql"]).run();
    missing.status(1);
    missing.stderr_has("cannot read no-such-file.sql");
}

/// psql stops at the script's first error while ssp is still sending the rest of a large file:
/// the exit status and the error still come through (the sends that fail then are not errors).
#[test]
fn a_restore_failing_early_in_a_large_file_exits_with_psqls_status() {
    let Some((stack, _)) = deployed_with_postgres("restore_failing_early") else { return };
    let mut script = String::from("select * from no_such_table_early;\n");
    while script.len() < 16 << 20 {
        script.push_str("select 'the rest of a large script, never run' as never;\n");
    }
    let file = stack.project.write("large.sql", script);
    for _ in 0..3 {
        let out = stack.ssp().args(["db", "restore", "--yes", file.to_str().unwrap()]).run();
        out.status(3);
        out.stderr_has("ERROR:  relation \"no_such_table_early\" does not exist");
        out.stderr_has("psql exited with status 3");
        assert_eq!(out.stdout, "", "nothing after the failing statement ran");
    }
}

#[test]
fn restore_off_a_terminal_without_yes_is_a_usage_error() {
    let Some(stack) = deployed() else { return };
    let file = stack.project.write("in.sql", "drop table everything;\n");
    for args in [vec!["db", "restore", file.to_str().unwrap()], vec!["db", "restore", "-"]] {
        let out = stack.ssp().args(&args).stdin("drop table everything;\n").run();
        out.status(2);
        out.stderr_has("without confirmation: stdin is not a terminal, so ssp cannot ask");
        out.stderr_has("pass --yes");
    }
    assert!(stack.api.execs().is_empty(), "nothing ran");
}

/// The pid of `parent`'s only child (ssp, which `script`'s shell `exec`ed).
fn child_of(parent: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

#[test]
fn interactive_shell_runs_psql_on_a_terminal_that_follows_the_window() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let Some((stack, _)) = deployed_with_postgres("interactive_shell") else { return };
    let Some(ssp) = stack.ssp().args(["db", "shell"]).on_terminal_sized(100, 30) else { return };
    let mut terminal = ssp.start_on_terminal();
    terminal.take_through("postgres=#");
    // The size at the start reached the pod's terminal: psql's shell escape asks it.
    terminal.keys.write_all(b"\\! stty size\r").unwrap();
    terminal.take_through("30 100");
    terminal.keys.write_all(b"select 40+2;\r").unwrap();
    let answer = terminal.take_through("(1 row)");
    assert!(answer.contains("42"), "{answer}");

    // A window resize (TIOCSWINSZ on ssp's terminal sends it SIGWINCH) follows.
    let ssp_pid = child_of(terminal.child.id()).expect("ssp runs under script");
    let tty = std::fs::OpenOptions::new().read(true).write(true).open(format!("/proc/{ssp_pid}/fd/0")).unwrap();
    let size = libc::winsize { ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads one winsize from a valid struct; the fd is ssp's terminal.
    assert_eq!(unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&tty), libc::TIOCSWINSZ, &size) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stack.api.execs().last().unwrap().resizes.contains(&(120, 40)) {
        assert!(Instant::now() < deadline, "no resize to 120x40 reached the API: {:?}", stack.api.execs());
        std::thread::sleep(Duration::from_millis(20));
    }
    terminal.keys.write_all(b"\\! stty size\r").unwrap();
    terminal.take_through("40 120");
    let lflag = |tty: &std::fs::File| {
        // SAFETY: termios is plain data that tcgetattr fills in for a terminal fd.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(std::os::fd::AsRawFd::as_raw_fd(tty), &mut t) }, 0);
        t.c_lflag & (libc::ICANON | libc::ECHO | libc::ISIG)
    };
    assert_eq!(lflag(&tty), 0, "ssp's terminal is raw while psql runs");
    // (That it is restored is platform::stdio's unit test: here the terminal ends with `script`.)

    // Ctrl-C is a byte for psql (raw mode here), which cancels the query, not ssp.
    terminal.keys.write_all(b"select pg_sleep(60);\r").unwrap();
    let pg = support::postgres::server("interactive_shell").unwrap();
    let running = "select count(*) from pg_stat_activity where query = 'select pg_sleep(60);'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while pg.psql(running).trim() != "1" {
        assert!(Instant::now() < deadline, "the query never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    terminal.keys.write_all(b"\x03").unwrap();
    let cancelled = terminal.take_through("canceling statement due to user request");
    assert!(!cancelled.contains("interrupted"), "{cancelled}");
    terminal.keys.write_all(b"\\q\r").unwrap();
    let status = terminal.exit_status("ssp db shell did not end after \\q");
    assert_eq!(status.code(), Some(0), "psql's status");

    let exec = stack.api.execs().last().unwrap().clone();
    assert_eq!(exec.call.command, ["psql", "-U", "postgres", "-d", "postgres"]);
    assert!(exec.call.tty && exec.call.stdin && exec.call.stdout && !exec.call.stderr, "{:?}", exec.call);
    assert_eq!(exec.resizes.first(), Some(&(100, 30)), "the size at the start");
    assert_eq!(exec.exit_code, Some(0));
}

#[test]
fn an_interrupted_dump_leaves_no_file() {
    use std::io::Write;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let Some((stack, _)) = deployed_with_postgres("an_interrupted_dump") else { return };
    let pg = support::postgres::server("an_interrupted_dump").unwrap();
    let schema = format!("locked_{}", std::process::id());
    sql(&stack, &format!("create schema {schema}; create table {schema}.t (v int); insert into {schema}.t values (1)"));
    // Another session holds the table: pg_dump waits for its lock, so the dump is surely running
    // (its temp file in place) when Ctrl-C comes.
    let mut locker = pg.client("psql").args(["-X", "-q"]).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut hold = locker.stdin.take().unwrap();
    writeln!(hold, "begin; lock table {schema}.t in access exclusive mode;").unwrap();
    let locked = format!(
        "select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 't' and l.mode = 'AccessExclusiveLock' and l.granted and c.relnamespace = '{schema}'::regnamespace"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while pg.psql(&locked).trim() != "1" {
        assert!(Instant::now() < deadline, "the lock was never taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    let dir = stack.project.root().join("dumps");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("d.sql");
    let ssp = stack
        .ssp()
        .args(["db", "dump", "--schema", &schema, "-o", file.to_str().unwrap()])
        .into_command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waiting =
        "select count(*) from pg_stat_activity where application_name = 'pg_dump' and wait_event_type = 'Lock'";
    let deadline = Instant::now() + Duration::from_secs(60);
    while pg.psql(waiting).trim() != "1" {
        assert!(Instant::now() < deadline, "pg_dump never waited for the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(entries(&dir).len(), 1, "the temp folder while the dump runs: {:?}", entries(&dir));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(ssp.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let out = ssp.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(entries(&dir).is_empty(), "nothing left behind: {:?}", entries(&dir));
    drop(hold);
    let _ = locker.wait();
    sql(&stack, &format!("drop schema {schema} cascade"));
}

#[test]
fn restore_on_a_terminal_asks_first() {
    let Some((stack, _)) = deployed_with_postgres("restore_on_a_terminal_asks") else { return };
    let schema = format!("asked_{}", std::process::id());
    let file = stack.project.write("asked.sql", format!("create schema {schema};\n"));
    let exists = format!("select count(*) from pg_namespace where nspname = '{schema}'");
    let Some(no) = stack.ssp().args(["db", "restore", file.to_str().unwrap()]).stdin("n\n").on_terminal() else {
        return;
    };
    let out = no.run();
    out.status(2).stdout_has("Run the SQL of").stdout_has("It changes the existing data. [y/N]");
    out.stdout_has("restore cancelled; nothing was run");
    assert!(stack.api.execs().is_empty(), "nothing ran");
    assert!(sql(&stack, &exists).contains("     0\n"));
    let out = stack.ssp().args(["db", "restore", file.to_str().unwrap()]).stdin("y\n").on_terminal().unwrap().run();
    out.success().stdout_has("CREATE SCHEMA");
    assert!(sql(&stack, &exists).contains("     1\n"));
    sql(&stack, &format!("drop schema {schema}"));
}

#[test]
fn over_v4_exec_dumps_and_runs_psql_and_a_restore_says_its_status_is_unknown() {
    // An API server before Kubernetes 1.30 serves exec only as `v4.channel.k8s.io`: it has no
    // close signal, so the end of the input is the end of the WebSocket, and psql's exit status
    // cannot come back after a restore's last line.
    let Some((stack, _)) = deployed_with_postgres("exec_over_v4") else { return };
    stack.api.serve_exec_protocols(&["v4.channel.k8s.io"]);
    let table = format!("over_v4_{}", std::process::id());
    let create = format!("create table {table} (n int); insert into {table} values (7)");
    stack.ssp().args(["db", "shell", "-c", &create]).run().success().stdout_has("INSERT 0 1\n");
    let dump = stack.ssp().args(["db", "dump", "--data-only"]).run();
    dump.success();
    assert!(dump.stdout.contains(&format!("COPY public.{table} (n) FROM stdin;\n7\n")), "{}", dump.stdout);
    stack.ssp().args(["db", "shell", "-c", "select * from no_such_table"]).run().status(1).stderr_has("psql exited");

    let restore =
        stack.ssp().args(["db", "restore", "--yes", "-"]).stdin(format!("insert into {table} values (8);\n")).run();
    restore.status(1);
    restore.stderr_has("the whole of stdin was sent to psql in pod");
    restore.stderr_has("whether it ran without error is unknown");
    restore.stderr_has("v4.channel.k8s.io (Kubernetes before 1.30)");
    restore.stderr_has("hint: check the data with `ssp db shell -c …`");
    assert!(!restore.stderr.contains("cannot run psql"), "psql did run: {}", restore.stderr);
    // It did run: the row is there.
    let sum = stack.ssp().args(["db", "shell", "-c", &format!("select sum(n) from {table}")]).run();
    sum.success().stdout_has("  15\n");
    let script = stack.ssp().args(["db", "shell"]).stdin(format!("drop table {table};\n")).run();
    script.status(1).stderr_has("the script was sent to psql in pod");
    assert!(stack.api.execs().iter().all(|e| e.call.protocol == "v4.channel.k8s.io"));
}

#[test]
fn a_cluster_that_does_not_answer_gets_a_hint_about_its_state() {
    // k3d's context is merged, but nothing listens on its port (the cluster stopped or gone).
    let Some(stack) = deployed() else { return };
    let yaml = stack.api.kubeconfig_yaml("k3d-pdc-cluster");
    let server = yaml.lines().find(|l| l.contains("server:")).unwrap().trim().to_string();
    let dead = format!("server: https://127.0.0.1:{}", support::stack::free_port());
    std::fs::write(stack.kubeconfig_path(), yaml.replace(&server, &dead)).unwrap();
    let out = stack.ssp().args(["db", "url"]).run();
    out.status(1).stderr_has("Connection refused").stderr_has(
        "hint: the cluster's API server does not answer: `ssp status` shows whether the cluster runs (a stopped k3d cluster: `ssp start`)",
    );
}
