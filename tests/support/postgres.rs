//! A real PostgreSQL server for tests, on a loopback port, from Debian's `postgresql` package
//! (`/usr/lib/postgresql/<major>/bin`: `initdb`, `pg_ctl`, `psql`, `pg_dump`).
//!
//! [`server`] starts one per test process, the first time a test asks (a `OnceLock`): `initdb`
//! into a fresh folder under the temp dir (user `postgres`, `trust` auth: only loopback TCP is
//! opened, no Unix socket), then `pg_ctl start -w` on a free port of 127.0.0.1. `initdb` refuses
//! to run as root, so as root every server program runs as `nobody` (`runuser -u nobody --`) in a
//! folder `nobody` owns; as any other user they run directly.
//!
//! Stopping: a watchdog (`sh`, in its own process group so a Ctrl-C to the tests does not reach
//! it) blocks reading a pipe whose write end only this process holds. When the test process exits
//! for any reason (end of tests, panic, `SIGKILL`) the kernel closes the pipe, and the watchdog runs
//! `pg_ctl stop -m immediate` and removes the folder. Nothing is left running.
//!
//! A missing package goes through the one skip rule ([`super::prerequisite`], [`Need::Other`]):
//! a failure under `CI=true`, a printed skip elsewhere. `.ci/run` installs the package.
//!
//! [`Postgres::exec_handler`] is the API double's exec of the database pod: `psql`, `pg_dump`,
//! `pg_restore` run from the package against this server (`PGHOST`, `PGPORT`, `PGUSER`,
//! `PGDATABASE` set, `PSQLRC` off), as they would inside the `supabase/postgres` image.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use super::Need;
use super::kube_api::exec::{ExecCall, ExecHandler};

/// The superuser `initdb` creates (the `supabase/postgres` image's too).
pub const USER: &str = "postgres";
/// The database every connection uses unless it names another.
pub const DATABASE: &str = "postgres";

/// The running server; see the module documentation.
pub struct Postgres {
    port: u16,
    bin: PathBuf,
    dir: PathBuf,
    /// The write end of the watchdog's pipe: closed (by exit) → the watchdog stops the server.
    _watchdog: Mutex<std::process::ChildStdin>,
}

/// The package's newest `bin` folder holding `initdb`, `pg_ctl` and `psql`.
pub fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "psql", "pg_dump"].iter().all(|p| bin.join(p).exists()).then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `nobody`'s uid and gid, for the folder the server runs in.
fn nobody() -> (u32, u32) {
    let name = std::ffi::CString::new("nobody").unwrap();
    // SAFETY: getpwnam gets a NUL-terminated name; the result is read at once, before any other
    // passwd call (tests do not make any).
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(!pw.is_null(), "no user nobody on this machine: the test PostgreSQL runs as nobody under root");
    // SAFETY: non-null, points at libc's static passwd entry.
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

/// A server program, as `nobody` when we are root.
fn server_command(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "nobody", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

impl Postgres {
    fn start(bin: PathBuf) -> Result<Postgres, String> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ssp-test-postgres-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if is_root() {
            let (uid, gid) = nobody();
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        let data = dir.join("data");
        let log = dir.join("server.log");
        // The watchdog first, so even a failed start leaves nothing behind.
        let stop = server_command(&bin.join("pg_ctl"));
        let stop_line = std::iter::once(stop.get_program())
            .chain(stop.get_args())
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let script = format!(
            "cat >/dev/null; if [ -f {data}/postmaster.pid ]; then {stop_line} -D {data} stop -m immediate -w; fi; rm -rf {dir}",
            data = shell_quote(&data.to_string_lossy()),
            dir = shell_quote(&dir.to_string_lossy()),
        );
        let mut watchdog = {
            use std::os::unix::process::CommandExt;
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .map_err(|e| format!("spawn the watchdog: {e}"))?
        };
        let pipe = watchdog.stdin.take().expect("piped stdin");
        run(
            server_command(&bin.join("initdb"))
                .current_dir(&dir)
                .args(["--no-sync", "--auth=trust", "--locale=C", "--encoding=UTF8", "-U", USER, "-D"])
                .arg(&data),
            "initdb",
        )?;
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let options = format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off");
            match run(
                server_command(&bin.join("pg_ctl"))
                    .current_dir(&dir)
                    .args(["start", "-w", "-t", "60", "-D"])
                    .arg(&data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-o", &options]),
                "pg_ctl start",
            ) {
                Ok(()) => return Ok(Postgres { port, bin, dir, _watchdog: Mutex::new(pipe) }),
                Err(e) => last = format!("{e}\nserver log:\n{}", std::fs::read_to_string(&log).unwrap_or_default()),
            }
        }
        Err(last)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth: no password).
    pub fn url(&self) -> String {
        format!("postgresql://{USER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The package's `bin` folder (`psql`, `pg_dump`, …).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The folder holding the data directory and the server log (removed at exit).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A client program of the package (`psql`, `pg_dump`, …) aimed at this server.
    pub fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", USER)
            .env("PGDATABASE", DATABASE)
            .env("PSQLRC", "/dev/null")
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE");
        cmd
    }

    /// Runs `sql` through `psql -XAt -v ON_ERROR_STOP=1` and returns its stdout; panics on failure.
    pub fn psql(&self, sql: &str) -> String {
        let out = self
            .client("psql")
            .args(["-XAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql -c {sql:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8 from psql")
    }

    /// The database pod's exec for the API double: `psql`, `pg_dump`, `pg_restore` (by name or by
    /// an absolute path ending in it) run locally against this server; anything else fails as the
    /// container runtime fails an exec of a program the image lacks.
    pub fn exec_handler(&'static self) -> ExecHandler {
        Arc::new(move |call: &ExecCall| {
            let argv0 = call.command.first().map(String::as_str).unwrap_or_default();
            let program = argv0.rsplit('/').next().unwrap_or_default();
            if !["psql", "pg_dump", "pg_restore"].contains(&program) {
                return Err(format!(
                    "exec: \"{argv0}\": executable file not found in $PATH: unknown (the test database pod runs psql, pg_dump and pg_restore)"
                ));
            }
            let mut cmd = self.client(program);
            cmd.args(&call.command[1..]);
            Ok(cmd)
        })
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The test process's server, started on first use; `None` (after the skip rule printed why)
/// when the `postgresql` package is not installed. Panics when it is installed but does not start.
pub fn server(test: &str) -> Option<&'static Postgres> {
    static SERVER: OnceLock<Result<Postgres, String>> = OnceLock::new();
    let bin = bin_dir();
    if !super::prerequisite(
        Need::Other,
        &format!("{test}: PostgreSQL"),
        bin.is_some(),
        "no /usr/lib/postgresql/*/bin/initdb: install Debian's postgresql package",
    ) {
        return None;
    }
    match SERVER.get_or_init(|| Postgres::start(bin.expect("checked"))) {
        Ok(pg) => Some(pg),
        Err(e) => panic!("the test PostgreSQL did not start: {e}"),
    }
}
