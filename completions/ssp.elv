
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
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
            cand seed-db 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand seed 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand install-tools 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart'
            cand fetch-chart 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
            cand completions 'Print shell completions for SHELL to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;config'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
        &'ssp;doctor'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
        &'ssp;setup-infra'= {
            cand --env 'The values set to deploy'
            cand --timeout 'How long to wait for the release to be ready (e.g. 10m, 90s)'
            cand --grace 'How long a pod may sit in ImagePullBackOff, CrashLoopBackOff, … before setup fails'
            cand -f 'Extra values file, after the environment''s (repeatable)'
            cand --values 'Extra values file, after the environment''s (repeatable)'
            cand --set 'Extra `helm --set KEY=VALUE` (repeatable; masked in logs)'
            cand --context 'Deploy to this kube context (needed to send dev values anywhere but the project''s k3d cluster)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --recreate 'Delete the k3d cluster first and create it anew (its data is lost)'
            cand --strict 'Treat values keys the pinned chart does not know as errors, not warnings'
            cand --show-secrets 'Print passwords and the service key in the summary instead of masking them'
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
        &'ssp;status'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --write 'With `-o env`: write the lines to FILE (mode 0600, replaced atomically) instead of stdout'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --show-secrets 'Print passwords and the service key instead of masking them'
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
        &'ssp;teardown'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -y 'Do not ask before deleting the cluster'
            cand --yes 'Do not ask before deleting the cluster'
            cand --keep-cluster 'Only uninstall the release; keep the cluster'
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
        &'ssp;down'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -y 'Do not ask before deleting the cluster'
            cand --yes 'Do not ask before deleting the cluster'
            cand --keep-cluster 'Only uninstall the release; keep the cluster'
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
        &'ssp;stop'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
            cand --port 'Local port (default: the service''s own port)'
            cand --address 'Local address to listen on'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
        &'ssp;seed-db'= {
            cand --timeout 'How long the Job may run (default: [seed] timeout)'
            cand --grace 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --no-build 'Do not build: run [seed] image as it is'
            cand --keep-job 'Leave the finished Job (and its pod) in the cluster for inspection'
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
        &'ssp;seed'= {
            cand --timeout 'How long the Job may run (default: [seed] timeout)'
            cand --grace 'How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before seeding fails'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --no-build 'Do not build: run [seed] image as it is'
            cand --keep-job 'Leave the finished Job (and its pod) in the cluster for inspection'
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
        &'ssp;install-tools'= {
            cand --mirror 'Download from this base URL instead of each tool''s own host (sets tools.mirror): its scheme://host[/prefix] replaces the scheme://host of every download URL'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --force 'Download and reinstall even when the pinned version is already installed'
            cand --no-chart 'Do not run fetch-chart afterwards'
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
        &'ssp;fetch-chart'= {
            cand --rev 'Check out this commit, tag or branch instead of the pinned one'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
        &'ssp;completions'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
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
        &'ssp;help'= {
            cand config 'Show the resolved configuration, each value with where it came from'
            cand doctor 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
            cand setup-infra 'Create the local k3d cluster (or use an existing cluster), deploy Supabase with helm and wait until every workload is ready and the API answers'
            cand status 'Show the cluster, the release, each workload''s readiness, and how to reach Supabase'
            cand teardown 'Delete the local k3d cluster and its data, or only uninstall the release'
            cand stop 'Stop the k3d cluster: keeps its data, frees the host ports'
            cand start 'Start a stopped k3d cluster again'
            cand port-forward 'Forward a local port to a service of the release through the Kubernetes API (no kubectl)'
            cand seed-db 'Build the populate-db image, import it into the cluster and run the seed Job; exits 0 only when the Job completed'
            cand install-tools 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart'
            cand fetch-chart 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
            cand completions 'Print shell completions for SHELL to stdout'
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
        &'ssp;help;seed-db'= {
        }
        &'ssp;help;install-tools'= {
        }
        &'ssp;help;fetch-chart'= {
        }
        &'ssp;help;completions'= {
        }
        &'ssp;help;help'= {
        }
    ]
    $completions[$command]
}
