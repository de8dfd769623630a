
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
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
            [CompletionResult]::new('seed-db', 'seed-db', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('install-tools', 'install-tools', [CompletionResultType]::ParameterValue, 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart')
            [CompletionResult]::new('fetch-chart', 'fetch-chart', [CompletionResultType]::ParameterValue, 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssp;config' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
        'ssp;doctor' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
        'ssp;setup-infra' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The values set to deploy')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the release to be ready (e.g. 10m, 90s)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Extra values file, after the environment''s (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Extra `helm --set KEY=VALUE` (repeatable; masked in logs)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Deploy to this kube context (needed to send dev values anywhere but the project''s k3d cluster)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--recreate', '--recreate', [CompletionResultType]::ParameterName, 'Delete the k3d cluster first and create it anew (its data is lost)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat values keys the pinned chart does not know as errors, not warnings')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print passwords and the service key in the summary instead of masking them')
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
        'ssp;status' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print passwords and the service key instead of masking them')
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
        'ssp;teardown' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--keep-cluster', '--keep-cluster', [CompletionResultType]::ParameterName, 'Only uninstall the release; keep the cluster')
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
        'ssp;down' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before deleting the cluster')
            [CompletionResult]::new('--keep-cluster', '--keep-cluster', [CompletionResultType]::ParameterName, 'Only uninstall the release; keep the cluster')
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
        'ssp;stop' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Local port (default: the service''s own port)')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Local address to listen on')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
        'ssp;seed-db' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the Job may run (default: [seed] timeout)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--no-build', '--no-build', [CompletionResultType]::ParameterName, 'Do not build: run [seed] image as it is')
            [CompletionResult]::new('--keep-job', '--keep-job', [CompletionResultType]::ParameterName, 'Leave the finished Job (and its pod) in the cluster for inspection')
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
        'ssp;seed' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the Job may run (default: [seed] timeout)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--no-build', '--no-build', [CompletionResultType]::ParameterName, 'Do not build: run [seed] image as it is')
            [CompletionResult]::new('--keep-job', '--keep-job', [CompletionResultType]::ParameterName, 'Leave the finished Job (and its pod) in the cluster for inspection')
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
        'ssp;install-tools' {
            [CompletionResult]::new('--mirror', '--mirror', [CompletionResultType]::ParameterName, 'Download from this base URL instead of each tool''s own host (sets tools.mirror): its scheme://host[/prefix] replaces the scheme://host of every download URL')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR in the environment means never, unless --color always)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Download and reinstall even when the pinned version is already installed')
            [CompletionResult]::new('--no-chart', '--no-chart', [CompletionResultType]::ParameterName, 'Do not run fetch-chart afterwards')
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
        'ssp;fetch-chart' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Check out this commit, tag or branch instead of the pinned one')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
        'ssp;completions' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--project-dir', '--project-dir', [CompletionResultType]::ParameterName, 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE on top of the project''s ssp.toml')
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
        'ssp;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration, each value with where it came from')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that this machine can run the stack: Docker, tools, ports, chart, disk')
            [CompletionResult]::new('setup-infra', 'setup-infra', [CompletionResultType]::ParameterValue, 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Delete the local k3d cluster and its data, or only uninstall the release')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the k3d cluster: keeps its data, frees the host ports')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped k3d cluster again')
            [CompletionResult]::new('port-forward', 'port-forward', [CompletionResultType]::ParameterValue, 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)')
            [CompletionResult]::new('seed-db', 'seed-db', [CompletionResultType]::ParameterValue, 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed')
            [CompletionResult]::new('install-tools', 'install-tools', [CompletionResultType]::ParameterValue, 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart')
            [CompletionResult]::new('fetch-chart', 'fetch-chart', [CompletionResultType]::ParameterValue, 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
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
        'ssp;help;seed-db' {
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
        'ssp;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
