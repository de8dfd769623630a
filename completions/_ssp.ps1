
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ssp' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ssp'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ssp' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration, each value with where it came from')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that this machine can run the stack: Docker, tools, ports, chart, disk')
            [CompletionResult]::new('setup-infra', 'setup-infra', [CompletionResultType]::ParameterValue, 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Delete the local k3d cluster and its data, or only uninstall the release')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Delete the local k3d cluster and its data, or only uninstall the release')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the k3d cluster: keeps its data, frees the host ports')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped k3d cluster again')
            [CompletionResult]::new('port-forward', 'port-forward', [CompletionResultType]::ParameterValue, 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show the release''s logs through the Kubernetes API (no kubectl): every component''s or the named ones'', each line prefixed with its component; with -f, follow them as pods restart or are replaced')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Open Supabase Studio (or the API) in the desktop''s browser: `xdg-open` (Linux) or `open` (macOS). Prints the URL instead where nothing can be opened')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Work with the release''s database through the Kubernetes API (nothing installed locally): psql and pg_dump run in the database pod; its connection string from the chart''s Secret')
            [CompletionResult]::new('seed-db', 'seed-db', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('images', 'images', [CompletionResultType]::ParameterValue, 'The container images the release uses with the chosen values (rendered by `helm template`), and where each one is: the host''s Docker (with its size), the cluster''s nodes, and with --check-remote its registry. `ssp images mirror` copies them into the team''s registry')
            [CompletionResult]::new('install-tools', 'install-tools', [CompletionResultType]::ParameterValue, 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart')
            [CompletionResult]::new('fetch-chart', 'fetch-chart', [CompletionResultType]::ParameterValue, 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
            [CompletionResult]::new('edit-cloud-values', 'edit-cloud-values', [CompletionResultType]::ParameterValue, 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change')
            [CompletionResult]::new('sops', 'sops', [CompletionResultType]::ParameterValue, 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. `--config FILE` after `sops` names the .sops.yaml, as sops'' --config does (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;setup-infra' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set to deploy')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the release to be ready (e.g. 10m, 90s; from 1s to 7d)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails (1s to 7d)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable): merged into the values helm reads on its stdin, never on helm''s command line; masked in logs')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Deploy to this kube context (needed to send dev values anywhere but the project''s k3d cluster)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--recreate', '--recreate', [CompletionResultType]::ParameterName, 'Delete the k3d cluster first and create it anew (its data is lost)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat values keys the pinned chart does not know as errors, not warnings')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print passwords and the service key in the summary instead of masking them')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print passwords and the service key instead of masking them')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Keep watching until Ctrl-C (exit 0): the table redrawn in place on a terminal, one timestamped line per changed workload otherwise. Text only (`-o json|env`: exit 2)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep watching until Ctrl-C (exit 0): the table redrawn in place on a terminal, one timestamped line per changed workload otherwise. Text only (`-o json|env`: exit 2)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;teardown' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--keep-cluster', '--keep-cluster', [CompletionResultType]::ParameterName, 'Only uninstall the release; keep the cluster')
            [CompletionResult]::new('--purge-cache', '--purge-cache', [CompletionResultType]::ParameterName, 'Also remove from the host''s Docker the release''s images (the dev values'' ones, as `ssp images` lists them) that `ssp images pull` or `[images] preload` keep there for the next cluster')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;down' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--keep-cluster', '--keep-cluster', [CompletionResultType]::ParameterName, 'Only uninstall the release; keep the cluster')
            [CompletionResult]::new('--purge-cache', '--purge-cache', [CompletionResultType]::ParameterName, 'Also remove from the host''s Docker the release''s images (the dev values'' ones, as `ssp images` lists them) that `ssp images pull` or `[images] preload` keep there for the next cluster')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;stop' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;start' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;port-forward' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Local port (default: the service''s own port)')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Local address to listen on')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;logs' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than DURATION (e.g. 10m, 1h; from 1s to 7d)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'The last N lines of each container (-1: all of them)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only this container of each pod')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only this container of each pod')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` (prefixed lines) or `json` (one object per line: component, pod, container, time, line)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` (prefixed lines) or `json` (one object per line: component, pod, container, time, line)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep streaming: new pods and restarted containers join as they start')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep streaming: new pods and restarted containers join as they start')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The previous run of each container (the one before its last restart)')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'The previous run of each container (the one before its last restart)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;open' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;db' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;db;url' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print the password instead of masking it')
            [CompletionResult]::new('--internal', '--internal', [CompletionResultType]::ParameterName, 'The in-cluster connection string (the db Service''s DNS name and port) instead of the host port''s')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;db;shell' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Run this SQL (psql''s -c) without a terminal: one statement, or several separated by semicolons')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'Run this SQL (psql''s -c) without a terminal: one statement, or several separated by semicolons')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;db;dump' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the dump to FILE (created 0600, or keeping an existing file''s mode) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the dump to FILE (created 0600, or keeping an existing file''s mode) instead of stdout')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Only this schema (pg_dump --schema); repeat for several. Each must exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--schema-only', '--schema-only', [CompletionResultType]::ParameterName, 'Only the schema: no data (pg_dump --schema-only)')
            [CompletionResult]::new('--data-only', '--data-only', [CompletionResultType]::ParameterName, 'Only the data: no schema (pg_dump --data-only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;db;restore' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin or stderr is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin or stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;db;help' {
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;db;help;url' {
            break
        }
        'ssp;db;help;shell' {
            break
        }
        'ssp;db;help;dump' {
            break
        }
        'ssp;db;help;restore' {
            break
        }
        'ssp;db;help;help' {
            break
        }
        'ssp;seed-db' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the Job may run (default: [seed] timeout; from 1s to 7d)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--no-build', '--no-build', [CompletionResultType]::ParameterName, 'Do not build: run [seed] image as it is')
            [CompletionResult]::new('--keep-job', '--keep-job', [CompletionResultType]::ParameterName, 'Leave the finished Job (and its pod) in the cluster for inspection')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;seed' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the Job may run (default: [seed] timeout; from 1s to 7d)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails (1s to 7d)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--no-build', '--no-build', [CompletionResultType]::ParameterName, 'Do not build: run [seed] image as it is')
            [CompletionResult]::new('--keep-job', '--keep-job', [CompletionResultType]::ParameterName, 'Leave the finished Job (and its pod) in the cluster for inspection')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;images' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set whose images to take')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--check-remote', '--check-remote', [CompletionResultType]::ParameterName, 'Also ask each image''s registry whether it resolves (a manifest HEAD)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The images and where each one is (the default)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing')
            [CompletionResult]::new('mirror', 'mirror', [CompletionResultType]::ParameterValue, 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;images;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set whose images to take')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--check-remote', '--check-remote', [CompletionResultType]::ParameterName, 'Also ask each image''s registry whether it resolves (a manifest HEAD)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;images;pull' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set whose images to take')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--no-import', '--no-import', [CompletionResultType]::ParameterName, 'Only pull into the host''s Docker; load nothing into the cluster')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;images;mirror' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set whose images to take')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable), as for setup-infra')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The registry and path to copy into, e.g. ghcr.io/uw-thinklab/mirror')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--upstream', '--upstream', [CompletionResultType]::ParameterName, 'Mirror the chart''s own default images for the same components instead of the values'' ones (how a team builds its mirror from the upstream projects)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;images;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The images and where each one is (the default)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing')
            [CompletionResult]::new('mirror', 'mirror', [CompletionResultType]::ParameterValue, 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;images;help;list' {
            break
        }
        'ssp;images;help;pull' {
            break
        }
        'ssp;images;help;mirror' {
            break
        }
        'ssp;images;help;help' {
            break
        }
        'ssp;install-tools' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--mirror', '--mirror', [CompletionResultType]::ParameterName, 'Download from this base URL instead of each tool''s own host (sets tools.mirror): its scheme://host[/prefix] replaces the scheme://host of every download URL')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Download and reinstall even when the pinned version is already installed')
            [CompletionResult]::new('--no-chart', '--no-chart', [CompletionResultType]::ParameterName, 'Do not run fetch-chart afterwards')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;fetch-chart' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Check out this commit, tag or branch instead of the pinned one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;edit-cloud-values' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml. (`ssp sops` reads no ssp.toml: its own --config, after `sops`, names the .sops.yaml.)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Legacy form of `set`: `ssp sops --set ''["key"] "value"'' FILE` sets the value in place')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of stdout')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'With -d: print only this part of the document, e.g. ''["secret"]["db"]''')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file')
            [CompletionResult]::new('--unencrypted-suffix', '--unencrypted-suffix', [CompletionResultType]::ParameterName, 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)')
            [CompletionResult]::new('--encrypted-suffix', '--encrypted-suffix', [CompletionResultType]::ParameterName, 'Only keys ending in this suffix are encrypted')
            [CompletionResult]::new('--unencrypted-regex', '--unencrypted-regex', [CompletionResultType]::ParameterName, 'Keys matching this regex stay unencrypted')
            [CompletionResult]::new('--encrypted-regex', '--encrypted-regex', [CompletionResultType]::ParameterName, 'Only keys matching this regex are encrypted')
            [CompletionResult]::new('--add-age', '--add-age', [CompletionResultType]::ParameterName, 'Add these age recipients (comma-separated)')
            [CompletionResult]::new('--rm-age', '--rm-age', [CompletionResultType]::ParameterName, 'Remove these age recipients (comma-separated)')
            [CompletionResult]::new('--add-pgp', '--add-pgp', [CompletionResultType]::ParameterName, 'Add these PGP fingerprints (comma-separated)')
            [CompletionResult]::new('--rm-pgp', '--rm-pgp', [CompletionResultType]::ParameterName, 'Remove these PGP fingerprints (comma-separated)')
            [CompletionResult]::new('--add-kms', '--add-kms', [CompletionResultType]::ParameterName, 'Add these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)')
            [CompletionResult]::new('--rm-kms', '--rm-kms', [CompletionResultType]::ParameterName, 'Remove these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Legacy form of `decrypt`: `ssp sops -d FILE`')
            [CompletionResult]::new('--decrypt', '--decrypt', [CompletionResultType]::ParameterName, 'Legacy form of `decrypt`: `ssp sops -d FILE`')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Legacy form of `encrypt`: `ssp sops -e FILE`')
            [CompletionResult]::new('--encrypt', '--encrypt', [CompletionResultType]::ParameterName, 'Legacy form of `encrypt`: `ssp sops -e FILE`')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Legacy form of `rotate`: `ssp sops -r FILE`')
            [CompletionResult]::new('--rotate', '--rotate', [CompletionResultType]::ParameterName, 'Legacy form of `rotate`: `ssp sops -r FILE`')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a file (or stdin) and print the plaintext')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove the key at INDEX and re-encrypt the file in place')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Generate a new data key and re-encrypt every value with it')
            [CompletionResult]::new('filestatus', 'filestatus', [CompletionResultType]::ParameterValue, 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables')
            [CompletionResult]::new('exec-file', 'exec-file', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            [CompletionResult]::new('keyservice', 'keyservice', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;sops;decrypt' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of stdout')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'Print only this part of the document, e.g. ''["secret"]["db"]''')
            [CompletionResult]::new('--filename-override', '--filename-override', [CompletionResultType]::ParameterName, 'Use this file name instead of FILE for picking the formats (useful with stdin)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;encrypt' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of stdout')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file')
            [CompletionResult]::new('--unencrypted-suffix', '--unencrypted-suffix', [CompletionResultType]::ParameterName, 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)')
            [CompletionResult]::new('--encrypted-suffix', '--encrypted-suffix', [CompletionResultType]::ParameterName, 'Only keys ending in this suffix are encrypted')
            [CompletionResult]::new('--unencrypted-regex', '--unencrypted-regex', [CompletionResultType]::ParameterName, 'Keys matching this regex stay unencrypted')
            [CompletionResult]::new('--encrypted-regex', '--encrypted-regex', [CompletionResultType]::ParameterName, 'Only keys matching this regex are encrypted')
            [CompletionResult]::new('--filename-override', '--filename-override', [CompletionResultType]::ParameterName, 'Use this file name instead of FILE for formats and the creation rule (required with stdin)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;edit' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input (and editing) format (default: from the file''s extension)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'Comma-separated age recipients (age1…, or age1pq1… for post-quantum ones)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'Comma-separated PGP fingerprints')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to call KMS as an assumed role)')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file')
            [CompletionResult]::new('--unencrypted-suffix', '--unencrypted-suffix', [CompletionResultType]::ParameterName, 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)')
            [CompletionResult]::new('--encrypted-suffix', '--encrypted-suffix', [CompletionResultType]::ParameterName, 'Only keys ending in this suffix are encrypted')
            [CompletionResult]::new('--unencrypted-regex', '--unencrypted-regex', [CompletionResultType]::ParameterName, 'Keys matching this regex stay unencrypted')
            [CompletionResult]::new('--encrypted-regex', '--encrypted-regex', [CompletionResultType]::ParameterName, 'Only keys matching this regex are encrypted')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;set' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--value-stdin', '--value-stdin', [CompletionResultType]::ParameterName, 'Read the value from stdin (keeps it out of the process list)')
            [CompletionResult]::new('--value-file', '--value-file', [CompletionResultType]::ParameterName, 'VALUE is a file to read the value from')
            [CompletionResult]::new('--idempotent', '--idempotent', [CompletionResultType]::ParameterName, 'Do not write the file when the value is already set')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;unset' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--idempotent', '--idempotent', [CompletionResultType]::ParameterName, 'Succeed without writing when INDEX does not exist')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;updatekeys' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply the changes without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply the changes without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;rotate' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension; anything else is binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Output format (default: from the file''s extension)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of stdout')
            [CompletionResult]::new('--add-age', '--add-age', [CompletionResultType]::ParameterName, 'Add these age recipients (comma-separated)')
            [CompletionResult]::new('--rm-age', '--rm-age', [CompletionResultType]::ParameterName, 'Remove these age recipients (comma-separated)')
            [CompletionResult]::new('--add-pgp', '--add-pgp', [CompletionResultType]::ParameterName, 'Add these PGP fingerprints (comma-separated)')
            [CompletionResult]::new('--rm-pgp', '--rm-pgp', [CompletionResultType]::ParameterName, 'Remove these PGP fingerprints (comma-separated)')
            [CompletionResult]::new('--add-kms', '--add-kms', [CompletionResultType]::ParameterName, 'Add these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)')
            [CompletionResult]::new('--rm-kms', '--rm-kms', [CompletionResultType]::ParameterName, 'Remove these AWS KMS key ARNs (comma-separated, ARN+ROLE_ARN for a role)')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'AWS KMS encryption context for the new KMS keys: comma-separated KEY:VALUE pairs')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile (shared config / credentials) the new KMS keys use; recorded in the file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to FILE (atomically: a temp file beside it, then a rename)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;filestatus' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;exec-env' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--pristine', '--pristine', [CompletionResultType]::ParameterName, 'Give the command only the file''s keys, none of ssp''s environment')
            [CompletionResult]::new('--same-process', '--same-process', [CompletionResultType]::ParameterName, 'Replace ssp with the command (exec) instead of running it as a child')
            [CompletionResult]::new('--background', '--background', [CompletionResultType]::ParameterName, 'Start the command and return at once without waiting for it (deprecated in sops)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;exec-file' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'The FIFO''s or file''s name inside its private directory (default: tmp-file)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'The plaintext''s format (default: from the file''s extension)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Run the command as this user (ssp must run as root); HOME, USER and LOGNAME are set for it')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Input format (default: from the file''s extension)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('--no-fifo', '--no-fifo', [CompletionResultType]::ParameterName, 'Write the plaintext to a 0600 temporary file instead of a FIFO')
            [CompletionResult]::new('--background', '--background', [CompletionResultType]::ParameterName, 'Start the command and return at once without waiting for it (deprecated in sops)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Decrypt even when the MAC is missing or does not match')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;publish' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;keyservice' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for the nearest folder holding ssp.toml or a deployment/ folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'FILE is the .sops.yaml to use, as with sops'' --config (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less: only warnings and errors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every external command and API call that would change something, and do nothing')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ssp;sops;help' {
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a file (or stdin) and print the plaintext')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove the key at INDEX and re-encrypt the file in place')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Generate a new data key and re-encrypt every value with it')
            [CompletionResult]::new('filestatus', 'filestatus', [CompletionResultType]::ParameterValue, 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables')
            [CompletionResult]::new('exec-file', 'exec-file', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            [CompletionResult]::new('keyservice', 'keyservice', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;sops;help;decrypt' {
            break
        }
        'ssp;sops;help;encrypt' {
            break
        }
        'ssp;sops;help;edit' {
            break
        }
        'ssp;sops;help;set' {
            break
        }
        'ssp;sops;help;unset' {
            break
        }
        'ssp;sops;help;updatekeys' {
            break
        }
        'ssp;sops;help;rotate' {
            break
        }
        'ssp;sops;help;filestatus' {
            break
        }
        'ssp;sops;help;exec-env' {
            break
        }
        'ssp;sops;help;exec-file' {
            break
        }
        'ssp;sops;help;publish' {
            break
        }
        'ssp;sops;help;keyservice' {
            break
        }
        'ssp;sops;help;help' {
            break
        }
        'ssp;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration, each value with where it came from')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that this machine can run the stack: Docker, tools, ports, chart, disk')
            [CompletionResult]::new('setup-infra', 'setup-infra', [CompletionResultType]::ParameterValue, 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Delete the local k3d cluster and its data, or only uninstall the release')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the k3d cluster: keeps its data, frees the host ports')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped k3d cluster again')
            [CompletionResult]::new('port-forward', 'port-forward', [CompletionResultType]::ParameterValue, 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show the release''s logs through the Kubernetes API (no kubectl): every component''s or the named ones'', each line prefixed with its component; with -f, follow them as pods restart or are replaced')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Open Supabase Studio (or the API) in the desktop''s browser: `xdg-open` (Linux) or `open` (macOS). Prints the URL instead where nothing can be opened')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Work with the release''s database through the Kubernetes API (nothing installed locally): psql and pg_dump run in the database pod; its connection string from the chart''s Secret')
            [CompletionResult]::new('seed-db', 'seed-db', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('images', 'images', [CompletionResultType]::ParameterValue, 'The container images the release uses with the chosen values (rendered by `helm template`), and where each one is: the host''s Docker (with its size), the cluster''s nodes, and with --check-remote its registry. `ssp images mirror` copies them into the team''s registry')
            [CompletionResult]::new('install-tools', 'install-tools', [CompletionResultType]::ParameterValue, 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart')
            [CompletionResult]::new('fetch-chart', 'fetch-chart', [CompletionResultType]::ParameterValue, 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
            [CompletionResult]::new('edit-cloud-values', 'edit-cloud-values', [CompletionResultType]::ParameterValue, 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change')
            [CompletionResult]::new('sops', 'sops', [CompletionResultType]::ParameterValue, 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus, exec-env, exec-file. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. `--config FILE` after `sops` names the .sops.yaml, as sops'' --config does (default: the first .sops.yaml found walking up from the current directory)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;help;config' {
            break
        }
        'ssp;help;doctor' {
            break
        }
        'ssp;help;setup-infra' {
            break
        }
        'ssp;help;status' {
            break
        }
        'ssp;help;teardown' {
            break
        }
        'ssp;help;stop' {
            break
        }
        'ssp;help;start' {
            break
        }
        'ssp;help;port-forward' {
            break
        }
        'ssp;help;logs' {
            break
        }
        'ssp;help;open' {
            break
        }
        'ssp;help;db' {
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print the database''s connection string (`postgres://user:password@host:port/database`) from the chart''s db Secret: for the host port the cluster maps to Postgres, or with --internal for the db Service inside the cluster. The password is masked unless --show-secrets')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'psql inside the database pod, through the Kubernetes API''s exec (nothing installed locally): on a terminal an interactive psql with a real TTY; with -c one SQL statement; with stdin not a terminal, the script psql reads from it. psql''s exit status is ssp''s')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Dump the database with pg_dump in the database pod (plain SQL), streamed to stdout or to FILE. FILE is replaced only when pg_dump succeeded: a failed or interrupted dump leaves no partial file (and an existing FILE as it was). pg_dump''s errors are relayed; exit 1')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Run a SQL file (a dump) against the database: psql -v ON_ERROR_STOP=1 in the database pod, fed from FILE or stdin (`-`), streamed. Asks for confirmation on a terminal; --yes otherwise. Stops at the first failing statement, which psql''s error shows; psql''s exit status is ssp''s')
            break
        }
        'ssp;help;db;url' {
            break
        }
        'ssp;help;db;shell' {
            break
        }
        'ssp;help;db;dump' {
            break
        }
        'ssp;help;db;restore' {
            break
        }
        'ssp;help;seed-db' {
            break
        }
        'ssp;help;images' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The images and where each one is (the default)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull into the host''s Docker the images it lacks (in parallel, a progress bar each), then load into the k3d cluster what its nodes lack with one `k3d image import`: a cluster re-created later finds them there and downloads nothing')
            [CompletionResult]::new('mirror', 'mirror', [CompletionResultType]::ParameterValue, 'Copy every image the release uses into REGISTRY/PREFIX with the same repository path and tag, registry to registry over the OCI distribution API (no Docker daemon): multi-arch indexes and digests kept, blobs and manifests already there skipped, blobs streamed. Then says which `image.repository` values would change to use the mirror')
            break
        }
        'ssp;help;images;list' {
            break
        }
        'ssp;help;images;pull' {
            break
        }
        'ssp;help;images;mirror' {
            break
        }
        'ssp;help;install-tools' {
            break
        }
        'ssp;help;fetch-chart' {
            break
        }
        'ssp;help;completions' {
            break
        }
        'ssp;help;edit-cloud-values' {
            break
        }
        'ssp;help;sops' {
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a file (or stdin) and print the plaintext')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove the key at INDEX and re-encrypt the file in place')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Generate a new data key and re-encrypt every value with it')
            [CompletionResult]::new('filestatus', 'filestatus', [CompletionResultType]::ParameterValue, 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with FILE''s top-level keys as environment variables')
            [CompletionResult]::new('exec-file', 'exec-file', [CompletionResultType]::ParameterValue, 'Run COMMAND (through /bin/sh -c) with {} replaced by the path of the decrypted FILE: a FIFO by default (the plaintext never touches a disk), a 0600 temporary file with --no-fifo')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            [CompletionResult]::new('keyservice', 'keyservice', [CompletionResultType]::ParameterValue, 'Not part of ssp: answered in one line (use the sops binary)')
            break
        }
        'ssp;help;sops;decrypt' {
            break
        }
        'ssp;help;sops;encrypt' {
            break
        }
        'ssp;help;sops;edit' {
            break
        }
        'ssp;help;sops;set' {
            break
        }
        'ssp;help;sops;unset' {
            break
        }
        'ssp;help;sops;updatekeys' {
            break
        }
        'ssp;help;sops;rotate' {
            break
        }
        'ssp;help;sops;filestatus' {
            break
        }
        'ssp;help;sops;exec-env' {
            break
        }
        'ssp;help;sops;exec-file' {
            break
        }
        'ssp;help;sops;publish' {
            break
        }
        'ssp;help;sops;keyservice' {
            break
        }
        'ssp;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
