//! The command line: clap types only. Doc comments are the help text (`--help`, completions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::platform::output::ColorChoice;

pub mod db;
pub mod images;
pub mod sops;

pub use db::*;
pub use images::*;
use sops::{SOPS_AFTER_HELP, SopsArgs};

const AFTER_HELP: &str = "\
Examples:
  ssp doctor                      check Docker, tools, ports, chart and disk
  ssp edit-cloud-values           edit the SOPS-encrypted production values
  ssp sops -d deployment/values.cloud.yaml
  ssp config                      show the resolved configuration and where each value came from
  ssp -C ~/src/resilience config -o json
  ssp completions zsh > ~/.zfunc/_ssp

Exit status:
  0    success
  1    the operation failed
  2    usage or configuration error
  130  interrupted (Ctrl-C or SIGTERM)

Configuration: ssp.toml at the project root, overridden by --config FILE,
then by SSP_<SECTION>_<KEY> environment variables (e.g. SSP_CLUSTER_NAME),
then by flags. `ssp config` shows the result.";

/// The command line as `ssp` parses it: [`Cli`]'s, with every command's examples (its
/// `after_help`) printed verbatim. clap's `wrap_help` re-flows `after_help` to the terminal width,
/// which broke example commands mid-line; literal text of a help template is never re-flowed, so
/// the examples go there (the man page still reads `after_help`). Argument help still wraps.
///
/// Only the top level is built here. A subcommand's arguments and its own subcommands are added
/// when clap enters it (`#[command(defer = true)]` on each subcommand enum, clap's
/// `Command::defer`), or when help, completions or the man page need the whole tree: parsing
/// `ssp sops decrypt FILE` builds `sops` and `decrypt`, not the ~20 other commands' ~200
/// arguments. Building them all on every run cost ~1.5 M instructions and ~400 KB of heap: about
/// a third of a whole `ssp sops decrypt` of a small file.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    verbatim_examples(Cli::command())
}

/// [`command`] with every subcommand built, for completions and the man page, which show the
/// whole tree. clap copies the tree of subcommands under `help` (`ssp help db dump`) when it
/// builds the top level, before the deferred subcommands below it exist: its copies of `db`,
/// `images` and `sops` would have no verbs, and `ssp help db <TAB>` would offer none. They are
/// completed here as clap copies them (name, about, hidden; no flags).
pub fn whole_command() -> clap::Command {
    // As clap's `_copy_subtree_for_help`, with the binary names its build would have given them
    // (the completion scripts are keyed by them; the build that names them has already run).
    fn copy_for_help(command: &clap::Command, parent_bin: &str, parent_display: &str) -> clap::Command {
        let name = command.get_name();
        let (bin, display) = (format!("{parent_bin} {name}"), format!("{parent_display}-{name}"));
        let copy = clap::Command::new(name.to_owned())
            .hide(command.is_hide_set())
            .disable_help_flag(true)
            .disable_version_flag(true)
            .subcommands(
                command
                    .get_subcommands()
                    .filter(|sub| sub.get_name() != "help")
                    .map(|sub| copy_for_help(sub, &bin, &display)),
            )
            .bin_name(bin.clone())
            .display_name(display.clone());
        match command.get_about() {
            Some(about) => copy.about(about.clone()),
            None => copy,
        }
    }
    let mut command = command();
    command.build();
    let help = command.find_subcommand("help").expect("clap adds `help`");
    let (help_bin, help_display) = (
        help.get_bin_name().unwrap_or("ssp help").to_owned(),
        help.get_display_name().unwrap_or("ssp-help").to_owned(),
    );
    let mut nested: std::collections::HashMap<String, Vec<clap::Command>> = command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help" && sub.has_subcommands())
        .map(|sub| {
            let name = sub.get_name();
            let (bin, display) = (format!("{help_bin} {name}"), format!("{help_display}-{name}"));
            let verbs = sub
                .get_subcommands()
                .filter(|verb| verb.get_name() != "help")
                .map(|verb| copy_for_help(verb, &bin, &display))
                .collect();
            (name.to_owned(), verbs)
        })
        .collect();
    // (`mut_subcommands` keeps the order, which the scripts list the names in.)
    command.mut_subcommand("help", |help| {
        help.mut_subcommands(|copy| match nested.remove(copy.get_name()) {
            Some(verbs) => copy.subcommands(verbs),
            None => copy,
        })
    })
}

/// Gives `command` its examples as literal help text (clap's default template with the
/// after-help text at its end). Run on each command's subcommands as the command is built
/// (`mut_subcommands`), so only on those of the commands clap enters.
pub(crate) fn verbatim_examples(command: clap::Command) -> clap::Command {
    let Some(text) = command.get_after_help() else { return command };
    // clap's default template, with the after-help text as literal text. (`{` starts a
    // template tag: `{"a":1}` passes through as an unknown tag; a test checks every line.) The
    // text is plain (no styles), so its `ansi()` form is the text itself, copied as it is;
    // `Display` would copy it piece by piece (~8,000 instructions a command).
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{{all-args}}\n\n{}",
        text.ansi()
    );
    command.help_template(template)
}

/// Run the Support Sphere backend: pinned tools, a local k3d cluster with Supabase,
/// SOPS-encrypted production values and database seeding, in one binary.
#[derive(Debug, Parser)]
#[command(
    name = "ssp",
    version,
    propagate_version = true,
    after_help = AFTER_HELP,
    max_term_width = 100,
    mut_subcommands = top_level_subcommand
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Gives `sub` ssp's `--config` unless `sub` is `sops`.
///
/// `ssp --config FILE` names an ssp.toml; `ssp sops --config FILE` is sops' flag and names the
/// .sops.yaml. clap hands a global flag to every subcommand, where a second `--config` would clash
/// (and their values would mix), so `--config` is not global at the top: every other subcommand
/// gets it here, global from there down (`ssp db dump --config FILE`). The rest of [`GlobalArgs`]
/// reach every subcommand through clap's own propagation. Help lists a command's options by their
/// display order: `--config` keeps the place it has among the global flags, and the command's own
/// arguments, added later (deferred), count theirs from 0 again, as if they had been added first.
/// Then the examples of `sub`'s help become literal text ([`verbatim_examples`]).
fn top_level_subcommand(sub: clap::Command) -> clap::Command {
    if sub.get_name() == "sops" {
        return verbatim_examples(sub);
    }
    thread_local! {
        // Built once, not once for each of the ~20 subcommands this runs for.
        static CONFIG: clap::Arg = GlobalArgs::augment_args(clap::Command::new("ssp"))
            .get_arguments()
            .find(|arg| arg.get_id() == "config")
            .expect("GlobalArgs has --config")
            .clone()
            .global(true);
    }
    verbatim_examples(CONFIG.with(|config| sub.arg(config.clone())).next_display_order(0))
}

/// Flags every command accepts (`ssp sops` has its own `--config`).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Use DIR as the project root instead of searching upward from the current folder for the
    /// nearest folder holding ssp.toml or a deployment/ folder.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,

    /// Read settings from FILE on top of the project's ssp.toml. (`ssp sops` reads no ssp.toml:
    /// its own --config, after `sops`, names the .sops.yaml.)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Say more: -v shows every command and API call ssp makes, -vv adds debugging detail.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Say less: only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print every external command and API call that would change something, and do nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Plain log lines instead of progress bars (automatic when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// When to use colour (NO_COLOR in the environment means never, unless --color always).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Show the resolved configuration, each value with where it came from.
    #[command(after_help = "\
Examples:
  ssp config                      annotated TOML: `name = \"pdc-cluster\"  # default`
  ssp config -o json | jq -r .config.cluster.name
  SSP_CLUSTER_NAME=test ssp config   environment variables override ssp.toml")]
    Config(ConfigArgs),

    /// Check that this machine can run the stack: Docker, tools, ports, chart, disk.
    #[command(after_help = "\
Examples:
  ssp doctor
  ssp doctor -o json | jq '.checks[] | select(.status != \"ok\")'

Exits 1 when a required check fails.")]
    Doctor(DoctorArgs),

    /// Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait
    /// until every workload is ready and the API answers.
    #[command(after_help = "\
Examples:
  ssp setup-infra                          dev stack on a local k3d cluster, then a summary
  ssp setup-infra --env cloud              values decrypted in memory and passed to helm on stdin
  ssp setup-infra --recreate --timeout 15m delete and recreate the cluster first
  ssp setup-infra --set studio.environment.STUDIO_DEFAULT_PROJECT=Demo
  ssp --dry-run setup-infra                print every command and API call, change nothing

Never deletes a healthy cluster unless --recreate. Exits 1 naming the stuck workloads, their pods'
reasons, events and log tails when the stack does not come up.")]
    SetupInfra(SetupInfraArgs),

    /// Show the cluster, the release, each workload's readiness, and how to reach Supabase.
    #[command(after_help = "\
Examples:
  ssp status
  ssp status -o json | jq .ready
  ssp status -o env --write ../app/.env     SUPABASE_URL / SUPABASE_ANON_KEY for the Flutter app
  ssp status --show-secrets
  ssp status --watch                        live table: ready, restarts, age, last warning; Ctrl-C leaves
  ssp status -w > status.log                one timestamped line per workload that changed

Exits 0 only when the cluster runs and every workload of the release is ready. With --watch: runs
until Ctrl-C, then exits 0 (1 if the cluster is not running, 2 with -o json|env).")]
    Status(StatusArgs),

    /// Delete the local k3d cluster and its data, or only uninstall the release.
    #[command(
        visible_alias = "down",
        after_help = "\
Examples:
  ssp teardown                    asks before deleting the cluster (on a terminal)
  ssp down --yes                  no question
  ssp teardown --keep-cluster     `helm uninstall` only; the cluster and its images stay
  ssp teardown --yes --purge-cache   also drop the images kept in Docker for the next cluster

With cluster.provider = \"existing\" only the release is uninstalled."
    )]
    Teardown(TeardownArgs),

    /// Stop the k3d cluster: keeps its data, frees the host ports.
    #[command(after_help = "\
Examples:
  ssp stop
  ssp start")]
    Stop,

    /// Start a stopped k3d cluster again.
    #[command(after_help = "\
Examples:
  ssp start
  ssp setup-infra                 also starts a stopped cluster")]
    Start,

    /// Forward a local port to a service of the release through the Kubernetes API (no kubectl).
    #[command(after_help = "\
Examples:
  ssp port-forward                Postgres on localhost:5432
  ssp port-forward kong --port 8000
  ssp port-forward supabase-supabase-studio --port 3000

Runs until Ctrl-C.")]
    PortForward(PortForwardArgs),

    /// Show the release's logs through the Kubernetes API (no kubectl): every component's or the
    /// named ones', each line prefixed with its component; with -f, follow them as pods restart
    /// or are replaced.
    #[command(after_help = "\
Examples:
  ssp logs                        the last 50 lines of every component, in time order
  ssp logs auth rest -f           follow auth and rest; restarted and new pods join, announced
  ssp logs db --since 10m --tail -1
  ssp logs realtime --previous    the run before the last restart (what a crash printed)
  ssp logs storage -c imgproxy    one container of a pod with several
  ssp logs -f -o json | jq -r 'select(.component == \"kong\") | .line'

Components: those the release runs of db, auth, rest, realtime (realtime-dev), storage, kong,
studio, meta, functions, analytics, vector, imgproxy; a workload's own name works too. An unknown
one exits 2 naming the valid ones. -f runs until Ctrl-C (exit 130).")]
    Logs(LogsArgs),

    /// Open Supabase Studio (or the API) in the desktop's browser: `xdg-open` (Linux) or `open`
    /// (macOS). Prints the URL instead where nothing can be opened.
    #[command(after_help = "\
Examples:
  ssp open                        Studio in the browser
  ssp open api                    the API gateway (Kong)
  ssp --dry-run open              say what would run

The URL is printed instead when there is no display ($DISPLAY and $WAYLAND_DISPLAY unset on
Linux), in CI (CI=true), or when the opener is not installed.")]
    Open(OpenArgs),

    /// Work with the release's database through the Kubernetes API (nothing installed locally):
    /// psql and pg_dump run in the database pod; its connection string from the chart's Secret.
    #[command(after_help = "\
Examples:
  ssp db shell                    psql on a terminal (\\q leaves)
  ssp db shell -c 'select count(*) from auth.users'
  ssp db dump -o backup.sql       pg_dump into backup.sql (written only when complete)
  ssp db dump --schema-only --schema public | less
  ssp db restore backup.sql       psql -v ON_ERROR_STOP=1 fed from the file (asks first)
  ssp db url                      the connection string for the host port, password masked
  ssp db url --show-secrets       with the password, e.g. for psql \"$(ssp db url --show-secrets)\"
  ssp db url --internal           the in-cluster one (the db Service's DNS name)")]
    Db(DbArgs),

    /// Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only
    /// when the Job completed.
    #[command(
        visible_alias = "seed",
        after_help = "\
Examples:
  ssp seed                        build, import, run, follow the log, report the result
  ssp seed --no-build             run the image as configured ([seed] image)
  ssp seed --keep-job             leave the finished Job for `kubectl describe`
  ssp --dry-run seed              print the build, the import and the objects it would create"
    )]
    SeedDb(SeedArgs),

    /// The container images the release uses with the chosen values (rendered by `helm template`),
    /// and where each one is: the host's Docker (with its size), the cluster's nodes, and with
    /// --check-remote its registry. `ssp images mirror` copies them into the team's registry.
    #[command(after_help = "\
Examples:
  ssp images                              the dev values' images: host Docker, cluster nodes
  ssp images --env cloud --check-remote   cloud values (decrypted in memory); ask each registry too
  ssp images -o json | jq -r '.[] | select(.cluster.state != \"present\") | .image'
  ssp images pull                         into Docker, then into the k3d cluster: re-creating it downloads nothing
  ssp images mirror --to ghcr.io/uw-thinklab/mirror --dry-run
  ssp images mirror --to ghcr.io/uw-thinklab/mirror --upstream   the chart's own default images

A place that cannot be asked (no Docker daemon, no running cluster) shows \"unknown\" with one hint.
Registry credentials: SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN for [registry] host, else your Docker
config (`docker login`). Exits 1 when --check-remote finds an image missing, or naming every image
a pull or a mirror could not copy.")]
    Images(ImagesArgs),
    /// Download the pinned k3d and helm (kubectl when asked) into the project's tools dir, verified
    /// against their pinned SHA-256; then fetch the chart.
    ///
    /// Tools already installed at the pinned version are skipped without any network request.
    /// Downloads run in parallel, are retried on transient failures, and a tool is only put in place
    /// once its checksum and version check out. With no TOOL, installs the tools whose
    /// `[tools.<name>] enabled` is true (k3d and helm by default).
    #[command(after_help = "\
Examples:
  ssp install-tools                       k3d and helm into .ssp/bin, then the chart
  ssp install-tools kubectl --no-chart    only kubectl
  ssp install-tools --force helm          download and reinstall helm
  ssp install-tools --mirror https://artifacts.example.org/github
  SSP_TOOLS_MIRROR=https://mirror.example ssp install-tools

The pins (version, URL, SHA-256 per platform) are under [tools] in `ssp config`.")]
    InstallTools(InstallToolsArgs),

    /// Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml.
    ///
    /// In a git work tree that records the chart as a submodule: `git submodule update --init`. Otherwise
    /// (an unpacked tarball): a clone of `chart.repo` at `chart.rev`. Nothing is fetched when the
    /// checkout is already at the commit. Your git configuration applies, so
    /// `git config url.<mirror>.insteadOf <chart.repo>` redirects the download.
    #[command(after_help = "\
Examples:
  ssp fetch-chart                         the commit the project pins
  ssp fetch-chart --rev supabase-0.3.0    another commit, tag or branch of the chart
  git config --global url.https://git.example.org/supabase-kubernetes.insteadOf \\
      https://github.com/supabase-community/supabase-kubernetes && ssp fetch-chart")]
    FetchChart(FetchChartArgs),

    /// Print shell completions for SHELL to stdout.
    #[command(after_help = "\
Examples:
  ssp completions bash > ~/.local/share/bash-completion/completions/ssp
  ssp completions zsh > ~/.zfunc/_ssp
  ssp completions fish > ~/.config/fish/completions/ssp.fish")]
    Completions(CompletionsArgs),

    /// Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like
    /// `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key
    /// and replaced atomically when you save a valid change.
    #[command(after_help = "\
Examples:
  ssp edit-cloud-values                            deployment/values.cloud.yaml in $SOPS_EDITOR/$EDITOR/vi
  EDITOR='code' ssp edit-cloud-values              VS Code (--wait is added for you)
  SOPS_AGE_KEY_FILE=deployment/example.agekey ssp edit-cloud-values
  ssp edit-cloud-values deployment/values.staging.yaml

The plaintext lives only in a 0600 file inside a fresh 0700 directory on a memory filesystem
($XDG_RUNTIME_DIR, else /dev/shm, else the temp dir), removed on every exit path. Output formatting
follows the .sops.yaml at the project root. Keys: see `ssp sops --help`.

Exit status (sops' table):
  0    saved
  1    the edited file was invalid (not on a terminal) or the edit was abandoned; nothing written
  2    the file could not be read or parsed
  3    the file's folder is not writable, so no edit could be saved; nothing decrypted
  51   MAC mismatch (the file was tampered with)
  128  no master key of the file could be used here
  130  interrupted (Ctrl-C or SIGTERM); nothing written
  200  the file was not changed; nothing written
  201  the editor could not be run or exited with an error; nothing written")]
    EditCloudValues(EditCloudValuesArgs),

    /// Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset,
    /// updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`,
    /// `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. `--config FILE` after `sops` names
    /// the .sops.yaml, as sops' --config does (default: the first .sops.yaml found walking up from
    /// the current directory).
    #[command(after_help = SOPS_AFTER_HELP)]
    Sops(Box<SopsArgs>),
}

/// Machine-readable or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which values set to deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Environment {
    /// `values.dev` (plain), to the project's k3d cluster.
    #[default]
    Dev,
    /// `values.cloud` (SOPS-encrypted), decrypted in memory only.
    Cloud,
}

#[derive(Debug, Clone, Args)]
pub struct SetupInfraArgs {
    /// The values set to deploy.
    #[arg(long, value_enum, default_value_t = Environment::Dev)]
    pub env: Environment,

    /// Delete the k3d cluster first and create it anew (its data is lost).
    #[arg(long)]
    pub recreate: bool,

    /// How long to wait for the release to be ready (e.g. 10m, 90s; from 1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::platform::duration::parse)]
    pub timeout: std::time::Duration,

    /// How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails (1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::platform::duration::parse)]
    pub grace: std::time::Duration,

    /// Extra values file, after the environment's (repeatable).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub extra_values: Vec<std::path::PathBuf>,

    /// Extra `helm --set KEY=VALUE` (repeatable): merged into the values helm reads on its stdin,
    /// never on helm's command line; masked in logs.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Deploy to this kube context (needed to send dev values anywhere but the project's k3d cluster).
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,

    /// Treat values keys the pinned chart does not know as errors, not warnings.
    #[arg(long)]
    pub strict: bool,

    /// Print passwords and the service key in the summary instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
}

/// `ssp status` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum StatusFormat {
    #[default]
    Text,
    Json,
    /// `KEY=value` lines for .env files.
    Env,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,

    /// With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub write: Option<std::path::PathBuf>,

    /// Print passwords and the service key instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,

    /// Keep watching until Ctrl-C (exit 0): the table redrawn in place on a terminal, one
    /// timestamped line per changed workload otherwise. Text only (`-o json|env`: exit 2).
    ///
    /// The table shows each workload's ready/desired, status, container restarts, age and last
    /// Warning event, from Kubernetes watches (no polling). When stdout is not a terminal, the
    /// first lines list every workload, then a line appears only when a workload's readiness,
    /// restarts or last warning changed (`… removed` when it is deleted). So it is too with `-v`
    /// on a terminal, whose log lines would tear a table redrawn in place.
    #[arg(short, long)]
    pub watch: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TeardownArgs {
    /// Do not ask before deleting the cluster.
    #[arg(short, long)]
    pub yes: bool,

    /// Only uninstall the release; keep the cluster.
    #[arg(long)]
    pub keep_cluster: bool,

    /// Also remove from the host's Docker the release's images (the dev values' ones, as `ssp images`
    /// lists them) that `ssp images pull` or `[images] preload` keep there for the next cluster.
    #[arg(long)]
    pub purge_cache: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PortForwardArgs {
    /// `db`, `kong`, `studio`, or the name of any Service of the release.
    #[arg(default_value = "db")]
    pub service: String,

    /// Local port (default: the service's own port).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Local address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub address: std::net::IpAddr,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// Components to show (`db`, `auth`, `realtime`, … or a workload's name such as
    /// `realtime-dev`); none: all of the release's.
    #[arg(value_name = "COMPONENT")]
    pub components: Vec<String>,

    /// Keep streaming: new pods and restarted containers join as they start.
    #[arg(short, long)]
    pub follow: bool,

    /// Only lines newer than DURATION (e.g. 10m, 1h; from 1s to 7d).
    #[arg(long, value_name = "DURATION", value_parser = crate::platform::duration::parse)]
    pub since: Option<std::time::Duration>,

    /// The last N lines of each container (-1: all of them).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 50,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(-1..)
    )]
    pub tail: i64,

    /// The previous run of each container (the one before its last restart).
    #[arg(short, long, conflicts_with = "follow")]
    pub previous: bool,

    /// Only this container of each pod.
    #[arg(short, long, value_name = "CONTAINER")]
    pub container: Option<String>,

    /// Output format: `text` (prefixed lines) or `json` (one object per line: component, pod,
    /// container, time, line).
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// What `ssp open` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OpenTarget {
    /// Supabase Studio, the dashboard.
    #[default]
    Studio,
    /// The API gateway (Kong): the `SUPABASE_URL` of apps.
    Api,
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    /// What to open.
    #[arg(value_enum, default_value_t = OpenTarget::Studio)]
    pub target: OpenTarget,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Do not build: run [seed] image as it is.
    #[arg(long)]
    pub no_build: bool,

    /// How long the Job may run (default: [seed] timeout; from 1s to 7d).
    #[arg(long, value_name = "DURATION", value_parser = crate::platform::duration::parse)]
    pub timeout: Option<std::time::Duration>,

    /// How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::platform::duration::parse)]
    pub grace: std::time::Duration,

    /// Leave the finished Job (and its pod) in the cluster for inspection.
    #[arg(long)]
    pub keep_job: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InstallToolsArgs {
    /// Tools to install (default: those enabled in [tools], i.e. k3d and helm).
    #[arg(value_enum, value_name = "TOOL")]
    pub tools: Vec<crate::tools::ToolName>,

    /// Download and reinstall even when the pinned version is already installed.
    #[arg(long)]
    pub force: bool,

    /// Download from this base URL instead of each tool's own host (sets tools.mirror): its
    /// scheme://host[/prefix] replaces the scheme://host of every download URL.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,

    /// Do not run fetch-chart afterwards.
    #[arg(long)]
    pub no_chart: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FetchChartArgs {
    /// Check out this commit, tag or branch instead of the pinned one.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct EditCloudValuesArgs {
    /// The encrypted values file (default: `values.cloud` from the configuration,
    /// deployment/values.cloud.yaml).
    pub file: Option<PathBuf>,

    /// Decrypt even when the MAC is missing or does not match.
    #[arg(long)]
    pub ignore_mac: bool,
}
