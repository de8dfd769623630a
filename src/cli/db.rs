//! `ssp db`'s arguments: url, shell, dump and restore.

use clap::{Args, Subcommand};

#[derive(Debug, Clone, Args)]
#[command(mut_subcommands = super::verbatim_examples)]
pub struct DbArgs {
    #[command(subcommand)]
    pub verb: DbVerb,
}

#[derive(Debug, Clone, Subcommand)]
#[command(defer = true)]
pub enum DbVerb {
    /// Print the database's connection string (`postgres://user:password@host:port/database`)
    /// from the chart's db Secret: for the host port the cluster maps to Postgres, or with
    /// --internal for the db Service inside the cluster. The password is masked unless
    /// --show-secrets.
    #[command(after_help = "\
Examples:
  ssp db url                      postgres://postgres:********@localhost:5432/postgres
  ssp db url --show-secrets       the same with the password (percent-encoded where needed)
  ssp db url --internal           postgres://postgres:********@supabase-supabase-db.default.svc.cluster.local:5432/postgres

The host port is the [cluster] ports entry for container port 5432; without one (an existing
cluster) use --internal from inside the cluster, or `ssp port-forward db`.")]
    Url(DbUrlArgs),

    /// psql inside the database pod, through the Kubernetes API's exec (nothing installed
    /// locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement;
    /// with stdin not a terminal, the script psql reads from it. psql's exit status is ssp's.
    #[command(after_help = "\
Examples:
  ssp db shell                    interactive psql (Ctrl-C cancels the query, \\q leaves)
  ssp db shell -c 'select version()'
  ssp db shell < migration.sql    the script from stdin, stopping at the first error

On a terminal the local terminal is in raw mode while psql runs (restored however ssp ends), its
size follows window resizes, and Ctrl-C goes to psql. psql runs as the user and database of the
chart's db Secret; -c and scripts with ON_ERROR_STOP=1.")]
    Shell(DbShellArgs),

    /// Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to
    /// FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no
    /// partial file (and an existing FILE as it was). pg_dump's errors are relayed; exit 1.
    #[command(after_help = "\
Examples:
  ssp db dump -o backup.sql
  ssp db dump --schema-only > schema.sql
  ssp db dump --data-only --schema public --schema auth -o data.sql
  ssp db dump | gzip > backup.sql.gz

Restore a dump with `ssp db restore FILE`.")]
    Dump(DbDumpArgs),

    /// Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod,
    /// fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes
    /// otherwise. Stops at the first failing statement, which psql's error shows; psql's exit
    /// status is ssp's.
    #[command(after_help = "\
Examples:
  ssp db restore backup.sql       asks, then runs it
  ssp db restore --yes backup.sql in scripts and CI
  gunzip -c backup.sql.gz | ssp db restore --yes -

Statements before a failing one stay applied; wrap the file in BEGIN/COMMIT (or dump into an
empty database) for all or nothing.")]
    Restore(DbRestoreArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DbShellArgs {
    /// Run this SQL (psql's -c) without a terminal: one statement, or several separated by
    /// semicolons.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub command: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DbDumpArgs {
    /// Write the dump to FILE (created 0600, or keeping an existing file's mode) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub output: Option<std::path::PathBuf>,

    /// Only the schema: no data (pg_dump --schema-only).
    #[arg(long, conflicts_with = "data_only")]
    pub schema_only: bool,

    /// Only the data: no schema (pg_dump --data-only).
    #[arg(long)]
    pub data_only: bool,

    /// Only this schema (pg_dump --schema); repeat for several. Each must exist.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DbRestoreArgs {
    /// The SQL file to run, or `-` for stdin.
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub file: std::path::PathBuf,

    /// Do not ask for confirmation (required when stdin or stderr is not a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DbUrlArgs {
    /// Print the password instead of masking it.
    #[arg(long)]
    pub show_secrets: bool,

    /// The in-cluster connection string (the db Service's DNS name and port) instead of the host port's.
    #[arg(long)]
    pub internal: bool,
}
