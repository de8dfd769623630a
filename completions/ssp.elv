
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
            cand install-tools 'Download the pinned k3d and helm (kubectl when asked) into the project''s tools dir, verified against their pinned SHA-256; then fetch the chart'
            cand fetch-chart 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
            cand completions 'Print shell completions for SHELL to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;help;config'= {
        }
        &'ssp;help;doctor'= {
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
