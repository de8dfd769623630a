
use builtin;
use str;

set edit:completion:arg-completer[ssp] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ssp'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ssp'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand config 'Show the resolved configuration, each value with where it came from'
            cand doctor 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
            cand setup-infra 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers'
            cand status 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase'
            cand teardown 'Delete the local k3d cluster and its data, or only uninstall the release'
            cand down 'Delete the local k3d cluster and its data, or only uninstall the release'
            cand stop 'Stop the k3d cluster: keeps its data, frees the host ports'
            cand start 'Start a stopped k3d cluster again'
            cand port-forward 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)'
            cand logs 'Show the release''s logs through the Kubernetes API (no kubectl): every component''s or the named ones'', each line prefixed with its component; with -f, follow them as pods restart or are replaced'
            cand open 'Open Supabase Studio (or the API) in the desktop''s browser: `xdg-open` (Linux) or `open` (macOS). Prints the URL instead where nothing can be opened'
            cand db 'Work with the release''s database through the Kubernetes API (nothing installed locally): psql and pg_dump run in the database pod; its connection string from the chart''s Secret'
            cand seed-db 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand seed 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand images 'The container images the release uses with the chosen values (rendered by `helm template`), and where each one is: the host''s Docker (with its size), the cluster''s nodes, and with --check-remote its registry. `ssp images mirror` copies them into the team''s registry'
            cand install-tools 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart'
            cand fetch-chart 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
            cand completions 'Print shell completions for SHELL to stdout'
            cand edit-cloud-values 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
            cand sops 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. `--config FILE` after `sops` names the .sops.yaml, as sops'' --config does (default: the first .sops.yaml found walking up from the current directory)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;config'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;doctor'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;setup-infra'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --env 'The values set to deploy'
            cand --timeout 'How long to wait for the release to be ready (e.g. 10m, 90s; from 1s to 7d)'
            cand --grace 'How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails (1s to 7d)'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable): merged into the values helm reads on its stdin, never on helm''s command line; masked in logs'
            cand --context 'Deploy to this kube context (needed to send dev values anywhere but the project''s k3d cluster)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --recreate 'Delete the k3d cluster first and create it anew (its data is lost)'
            cand --strict 'Treat values keys the pinned chart does not know as errors, not warnings'
            cand --show-secrets 'Print passwords and the service key in the summary instead of masking them'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;status'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --write 'With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --show-secrets 'Print passwords and the service key instead of masking them'
            cand -w 'Keep watching until Ctrl-C (exit 0): the table redrawn in place on a terminal, one timestamped line per changed workload otherwise. Text only (`-o json|env`: exit 2)'
            cand --watch 'Keep watching until Ctrl-C (exit 0): the table redrawn in place on a terminal, one timestamped line per changed workload otherwise. Text only (`-o json|env`: exit 2)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;teardown'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -y 'Do not ask before deleting the cluster'
            cand --yes 'Do not ask before deleting the cluster'
            cand --keep-cluster 'Only uninstall the release; keep the cluster'
            cand --purge-cache 'Also remove from the host''s Docker the release''s images (the dev values'' ones, as `ssp images` lists them) that `ssp images pull` or `[images] preload` keep there for the next cluster'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;down'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -y 'Do not ask before deleting the cluster'
            cand --yes 'Do not ask before deleting the cluster'
            cand --keep-cluster 'Only uninstall the release; keep the cluster'
            cand --purge-cache 'Also remove from the host''s Docker the release''s images (the dev values'' ones, as `ssp images` lists them) that `ssp images pull` or `[images] preload` keep there for the next cluster'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;stop'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;start'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;port-forward'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --port 'Local port (default: the service''s own port)'
            cand --address 'Local address to listen on'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;logs'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --since 'Only lines newer than DURATION (e.g. 10m, 1h; from 1s to 7d)'
            cand --tail 'The last N lines of each container (-1: all of them)'
            cand -c 'Only this container of each pod'
            cand --container 'Only this container of each pod'
            cand -o 'Output format: `text` (prefixed lines) or `json` (one object per line: component, pod, container, time, line)'
            cand --output 'Output format: `text` (prefixed lines) or `json` (one object per line: component, pod, container, time, line)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -f 'Keep streaming: new pods and restarted containers join as they start'
            cand --follow 'Keep streaming: new pods and restarted containers join as they start'
            cand -p 'The previous run of each container (the one before its last restart)'
            cand --previous 'The previous run of each container (the one before its last restart)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;open'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;db'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand url 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets'
            cand shell 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s'
            cand dump 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1'
            cand restore 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;db;url'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --show-secrets 'Print the password instead of masking it'
            cand --internal 'The in-cluster connection string (the db Service''s DNS name and port) instead of the host port''s'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;db;shell'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -c 'Run this SQL (psql''s -c) without a terminal: one statement, or several separated by semicolons'
            cand --command 'Run this SQL (psql''s -c) without a terminal: one statement, or several separated by semicolons'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;db;dump'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -o 'Write the dump to FILE (created 0600, or keeping an existing file''s mode) instead of stdout'
            cand --output 'Write the dump to FILE (created 0600, or keeping an existing file''s mode) instead of stdout'
            cand --schema 'Only this schema (pg_dump --schema); repeat for several. Each must exist'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --schema-only 'Only the schema: no data (pg_dump --schema-only)'
            cand --data-only 'Only the data: no schema (pg_dump --data-only)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;db;restore'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -y 'Do not ask for confirmation (required when stdin or stderr is not a terminal)'
            cand --yes 'Do not ask for confirmation (required when stdin or stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;db;help'= {
            cand url 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets'
            cand shell 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s'
            cand dump 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1'
            cand restore 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;db;help;url'= {
        }
        &'ssp;db;help;shell'= {
        }
        &'ssp;db;help;dump'= {
        }
        &'ssp;db;help;restore'= {
        }
        &'ssp;db;help;help'= {
        }
        &'ssp;seed-db'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --timeout 'How long the Job may run (default: [seed] timeout; from 1s to 7d)'
            cand --grace 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --no-build 'Do not build: run [seed] image as it is'
            cand --keep-job 'Leave the finished Job (and its pod) in the cluster for inspection'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;seed'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --timeout 'How long the Job may run (default: [seed] timeout; from 1s to 7d)'
            cand --grace 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --no-build 'Do not build: run [seed] image as it is'
            cand --keep-job 'Leave the finished Job (and its pod) in the cluster for inspection'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;images'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --env 'The values set whose images to take'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --check-remote 'Also ask each image''s registry whether it resolves (a manifest HEAD)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'The images and where each one is (the default)'
            cand pull 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing'
            cand mirror 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;images;list'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --env 'The values set whose images to take'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --check-remote 'Also ask each image''s registry whether it resolves (a manifest HEAD)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;images;pull'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --env 'The values set whose images to take'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --no-import 'Only pull into the host''s Docker; load nothing into the cluster'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;images;mirror'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --env 'The values set whose images to take'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra'
            cand --to 'The registry and path to copy into, e.g. ghcr.io/uw-thinklab/mirror'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --upstream 'Mirror the chart''s own default images for the same components instead of the values'' ones (how a team builds its mirror from the upstream projects)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;images;help'= {
            cand list 'The images and where each one is (the default)'
            cand pull 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing'
            cand mirror 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;images;help;list'= {
        }
        &'ssp;images;help;pull'= {
        }
        &'ssp;images;help;mirror'= {
        }
        &'ssp;images;help;help'= {
        }
        &'ssp;install-tools'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --mirror 'Download from this base URL instead of each tool''s own host (sets tools.mirror): its scheme://host[/prefix] replaces the scheme://host of every download URL'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --force 'Download and reinstall even when the pinned version is already installed'
            cand --no-chart 'Do not run fetch-chart afterwards'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;fetch-chart'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --rev 'Check out this commit, tag or branch instead of the pinned one'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;completions'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;edit-cloud-values'= {
            cand --config 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --set 'Legacy form of `set`: `ssp sops --set ''["key"] "value"'' FILE` sets the value in place'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand --extract 'With -d: print only this part of the document, e.g. ''["secret"]["db"]'''
            cand -a 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand --age 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand -p 'Comma-separated PGP fingerprints'
            cand --pgp 'Comma-separated PGP fingerprints'
            cand -k 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --kms 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --encryption-context 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs'
            cand --aws-profile 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file'
            cand --unencrypted-suffix 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)'
            cand --encrypted-suffix 'Only keys ending in this suffix are encrypted'
            cand --unencrypted-regex 'Keys matching this regex stay unencrypted'
            cand --encrypted-regex 'Only keys matching this regex are encrypted'
            cand --add-age 'Add these age recipients (comma-separated)'
            cand --rm-age 'Remove these age recipients (comma-separated)'
            cand --add-pgp 'Add these PGP fingerprints (comma-separated)'
            cand --rm-pgp 'Remove these PGP fingerprints (comma-separated)'
            cand --add-kms 'Add these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)'
            cand --rm-kms 'Remove these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -d 'Legacy form of `decrypt`: `ssp sops -d FILE`'
            cand --decrypt 'Legacy form of `decrypt`: `ssp sops -d FILE`'
            cand -e 'Legacy form of `encrypt`: `ssp sops -e FILE`'
            cand --encrypt 'Legacy form of `encrypt`: `ssp sops -e FILE`'
            cand -r 'Legacy form of `rotate`: `ssp sops -r FILE`'
            cand --rotate 'Legacy form of `rotate`: `ssp sops -r FILE`'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand decrypt 'Decrypt a file (or stdin) and print the plaintext'
            cand encrypt 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
            cand edit 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
            cand set 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place'
            cand unset 'Remove the key at INDEX and re-encrypt the file in place'
            cand updatekeys 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
            cand rotate 'Generate a new data key and re-encrypt every value with it'
            cand filestatus 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
            cand exec-env 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables'
            cand exec-file 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo'
            cand publish 'Not part of ssp: answered in one line (use the sops binary)'
            cand keyservice 'Not part of ssp: answered in one line (use the sops binary)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;sops;decrypt'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand --extract 'Print only this part of the document, e.g. ''["secret"]["db"]'''
            cand --filename-override 'Use this file name instead of FILE for picking the formats (useful with stdin)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;encrypt'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand -a 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand --age 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand -p 'Comma-separated PGP fingerprints'
            cand --pgp 'Comma-separated PGP fingerprints'
            cand -k 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --kms 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --encryption-context 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs'
            cand --aws-profile 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file'
            cand --unencrypted-suffix 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)'
            cand --encrypted-suffix 'Only keys ending in this suffix are encrypted'
            cand --unencrypted-regex 'Keys matching this regex stay unencrypted'
            cand --encrypted-regex 'Only keys matching this regex are encrypted'
            cand --filename-override 'Use this file name instead of FILE for formats and the creation rule (required with stdin)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;edit'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input (and editing) format (default: from the file''s extension)'
            cand -a 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand --age 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)'
            cand -p 'Comma-separated PGP fingerprints'
            cand --pgp 'Comma-separated PGP fingerprints'
            cand -k 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --kms 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)'
            cand --encryption-context 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs'
            cand --aws-profile 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file'
            cand --unencrypted-suffix 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)'
            cand --encrypted-suffix 'Only keys ending in this suffix are encrypted'
            cand --unencrypted-regex 'Keys matching this regex stay unencrypted'
            cand --encrypted-regex 'Only keys matching this regex are encrypted'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;set'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --value-stdin 'Read the value from stdin (keeps it out of the process list)'
            cand --value-file 'VALUE is a file to read the value from'
            cand --idempotent 'Do not write the file when the value is already set'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;unset'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --idempotent 'Succeed without writing when INDEX does not exist'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;updatekeys'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -y 'Apply the changes without asking'
            cand --yes 'Apply the changes without asking'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;rotate'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand --add-age 'Add these age recipients (comma-separated)'
            cand --rm-age 'Remove these age recipients (comma-separated)'
            cand --add-pgp 'Add these PGP fingerprints (comma-separated)'
            cand --rm-pgp 'Remove these PGP fingerprints (comma-separated)'
            cand --add-kms 'Add these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)'
            cand --rm-kms 'Remove these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)'
            cand --encryption-context 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs'
            cand --aws-profile 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;filestatus'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --input-type 'Input format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;exec-env'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --user 'Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it'
            cand --input-type 'Input format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --pristine 'Give the command only the file''s keys, none of ssp''s environment'
            cand --same-process 'Replace ssp with the command (exec) instead of running it as a child'
            cand --background 'Start the command and return at once without waiting for it (deprecated in sops)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;exec-file'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand --filename 'The FIFO''s or file''s name inside its private directory (default: tmp-file)'
            cand --output-type 'The plaintext''s format (default: from the file''s extension)'
            cand --user 'Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it'
            cand --input-type 'Input format (default: from the file''s extension)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand --no-fifo 'Write the plaintext to a 0600 temporary file instead of a FIFO'
            cand --background 'Start the command and return at once without waiting for it (deprecated in sops)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;publish'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;keyservice'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --config 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)'
            cand -v 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand --verbose 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
            cand -q 'Say less: only warnings and errors'
            cand --quiet 'Say less: only warnings and errors'
            cand --dry-run 'Print every external command and API call that would change something, and do nothing'
            cand --no-progress 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssp;sops;help'= {
            cand decrypt 'Decrypt a file (or stdin) and print the plaintext'
            cand encrypt 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
            cand edit 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
            cand set 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place'
            cand unset 'Remove the key at INDEX and re-encrypt the file in place'
            cand updatekeys 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
            cand rotate 'Generate a new data key and re-encrypt every value with it'
            cand filestatus 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
            cand exec-env 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables'
            cand exec-file 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo'
            cand publish 'Not part of ssp: answered in one line (use the sops binary)'
            cand keyservice 'Not part of ssp: answered in one line (use the sops binary)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;sops;help;decrypt'= {
        }
        &'ssp;sops;help;encrypt'= {
        }
        &'ssp;sops;help;edit'= {
        }
        &'ssp;sops;help;set'= {
        }
        &'ssp;sops;help;unset'= {
        }
        &'ssp;sops;help;updatekeys'= {
        }
        &'ssp;sops;help;rotate'= {
        }
        &'ssp;sops;help;filestatus'= {
        }
        &'ssp;sops;help;exec-env'= {
        }
        &'ssp;sops;help;exec-file'= {
        }
        &'ssp;sops;help;publish'= {
        }
        &'ssp;sops;help;keyservice'= {
        }
        &'ssp;sops;help;help'= {
        }
        &'ssp;help'= {
            cand config 'Show the resolved configuration, each value with where it came from'
            cand doctor 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
            cand setup-infra 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers'
            cand status 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase'
            cand teardown 'Delete the local k3d cluster and its data, or only uninstall the release'
            cand stop 'Stop the k3d cluster: keeps its data, frees the host ports'
            cand start 'Start a stopped k3d cluster again'
            cand port-forward 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)'
            cand logs 'Show the release''s logs through the Kubernetes API (no kubectl): every component''s or the named ones'', each line prefixed with its component; with -f, follow them as pods restart or are replaced'
            cand open 'Open Supabase Studio (or the API) in the desktop''s browser: `xdg-open` (Linux) or `open` (macOS). Prints the URL instead where nothing can be opened'
            cand db 'Work with the release''s database through the Kubernetes API (nothing installed locally): psql and pg_dump run in the database pod; its connection string from the chart''s Secret'
            cand seed-db 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand images 'The container images the release uses with the chosen values (rendered by `helm template`), and where each one is: the host''s Docker (with its size), the cluster''s nodes, and with --check-remote its registry. `ssp images mirror` copies them into the team''s registry'
            cand install-tools 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart'
            cand fetch-chart 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
            cand completions 'Print shell completions for SHELL to stdout'
            cand edit-cloud-values 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
            cand sops 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. `--config FILE` after `sops` names the .sops.yaml, as sops'' --config does (default: the first .sops.yaml found walking up from the current directory)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;help;config'= {
        }
        &'ssp;help;doctor'= {
        }
        &'ssp;help;setup-infra'= {
        }
        &'ssp;help;status'= {
        }
        &'ssp;help;teardown'= {
        }
        &'ssp;help;stop'= {
        }
        &'ssp;help;start'= {
        }
        &'ssp;help;port-forward'= {
        }
        &'ssp;help;logs'= {
        }
        &'ssp;help;open'= {
        }
        &'ssp;help;db'= {
            cand url 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets'
            cand shell 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s'
            cand dump 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1'
            cand restore 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s'
        }
        &'ssp;help;db;url'= {
        }
        &'ssp;help;db;shell'= {
        }
        &'ssp;help;db;dump'= {
        }
        &'ssp;help;db;restore'= {
        }
        &'ssp;help;seed-db'= {
        }
        &'ssp;help;images'= {
            cand list 'The images and where each one is (the default)'
            cand pull 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing'
            cand mirror 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror'
        }
        &'ssp;help;images;list'= {
        }
        &'ssp;help;images;pull'= {
        }
        &'ssp;help;images;mirror'= {
        }
        &'ssp;help;install-tools'= {
        }
        &'ssp;help;fetch-chart'= {
        }
        &'ssp;help;completions'= {
        }
        &'ssp;help;edit-cloud-values'= {
        }
        &'ssp;help;sops'= {
            cand decrypt 'Decrypt a file (or stdin) and print the plaintext'
            cand encrypt 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
            cand edit 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
            cand set 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place'
            cand unset 'Remove the key at INDEX and re-encrypt the file in place'
            cand updatekeys 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
            cand rotate 'Generate a new data key and re-encrypt every value with it'
            cand filestatus 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
            cand exec-env 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables'
            cand exec-file 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo'
            cand publish 'Not part of ssp: answered in one line (use the sops binary)'
            cand keyservice 'Not part of ssp: answered in one line (use the sops binary)'
        }
        &'ssp;help;sops;decrypt'= {
        }
        &'ssp;help;sops;encrypt'= {
        }
        &'ssp;help;sops;edit'= {
        }
        &'ssp;help;sops;set'= {
        }
        &'ssp;help;sops;unset'= {
        }
        &'ssp;help;sops;updatekeys'= {
        }
        &'ssp;help;sops;rotate'= {
        }
        &'ssp;help;sops;filestatus'= {
        }
        &'ssp;help;sops;exec-env'= {
        }
        &'ssp;help;sops;exec-file'= {
        }
        &'ssp;help;sops;publish'= {
        }
        &'ssp;help;sops;keyservice'= {
        }
        &'ssp;help;help'= {
        }
    ]
    $completions[$command]
}
