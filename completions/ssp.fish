# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ssp_global_optspecs
    string join \n C/project-dir= config= v/verbose q/quiet dry-run no-progress color= h/help V/version
end

function __fish_ssp_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ssp_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ssp_using_subcommand
    set -l cmd (__fish_ssp_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ssp -n "__fish_ssp_needs_command" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_needs_command" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_needs_command" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_needs_command" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_needs_command" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_needs_command" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_needs_command" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_needs_command" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_needs_command" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "config" -d 'Show the resolved configuration, each value with where it came from'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "doctor" -d 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "install-tools" -d 'Download the pinned k3d and helm (kubectl when asked) into the project\'s tools dir, verified against their pinned SHA-256; then fetch the chart'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "fetch-chart" -d 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssp -n "__fish_ssp_using_subcommand config" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c ssp -n "__fish_ssp_using_subcommand config" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand config" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand config" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand config" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand config" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand config" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand config" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand config" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand config" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l mirror -d 'Download from this base URL instead of each tool\'s own host (sets tools.mirror): its scheme://host[/prefix] replaces the scheme://host of every download URL' -r
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l force -d 'Download and reinstall even when the pinned version is already installed'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l no-chart -d 'Do not run fetch-chart afterwards'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssp -n "__fish_ssp_using_subcommand install-tools" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -l rev -d 'Check out this commit, tag or branch instead of the pinned one' -r
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssp -n "__fish_ssp_using_subcommand fetch-chart" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand completions" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand completions" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "config" -d 'Show the resolved configuration, each value with where it came from'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "doctor" -d 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "install-tools" -d 'Download the pinned k3d and helm (kubectl when asked) into the project\'s tools dir, verified against their pinned SHA-256; then fetch the chart'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "fetch-chart" -d 'Check out the pinned Supabase chart under vendors/ and confirm its Chart.yaml'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor install-tools fetch-chart completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
