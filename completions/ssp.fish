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
complete -c ssp -n "__fish_ssp_needs_command" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "edit-cloud-values" -d 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
complete -c ssp -n "__fish_ssp_needs_command" -f -a "sops" -d 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the first .sops.yaml found walking up from the current directory)'
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
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand edit-cloud-values" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l output -d 'Write the result to this file instead of stdout' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l extract -d 'With -d: print only this part of the document, e.g. \'["secret"]["db"]\'' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s a -l age -d 'Comma-separated age recipients (age1…)' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s p -l pgp -d 'Comma-separated PGP fingerprints' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s k -l kms -d 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l unencrypted-suffix -d 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l encrypted-suffix -d 'Only keys ending in this suffix are encrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l unencrypted-regex -d 'Keys matching this regex stay unencrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l encrypted-regex -d 'Only keys matching this regex are encrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s d -l decrypt -d 'Legacy form of `decrypt`: `ssp sops -d FILE`'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s e -l encrypt -d 'Legacy form of `encrypt`: `ssp sops -e FILE`'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s r -l rotate -d 'Legacy form of `rotate`: `ssp sops -r FILE`'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s i -l in-place -d 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "decrypt" -d 'Decrypt a file (or stdin) and print the plaintext'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "encrypt" -d 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "edit" -d 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "set" -d 'Set the value at INDEX (sops\' path syntax) to VALUE (JSON) and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "unset" -d 'Remove the key at INDEX and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "updatekeys" -d 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "rotate" -d 'Generate a new data key and re-encrypt every value with it'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "filestatus" -d 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and not __fish_seen_subcommand_from decrypt encrypt edit set unset updatekeys rotate filestatus help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l output -d 'Write the result to this file instead of stdout' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l extract -d 'Print only this part of the document, e.g. \'["secret"]["db"]\'' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l filename-override -d 'Use this file name instead of FILE for picking the formats (useful with stdin)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s i -l in-place -d 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from decrypt" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l output -d 'Write the result to this file instead of stdout' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s a -l age -d 'Comma-separated age recipients (age1…)' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s p -l pgp -d 'Comma-separated PGP fingerprints' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s k -l kms -d 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l unencrypted-suffix -d 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l encrypted-suffix -d 'Only keys ending in this suffix are encrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l unencrypted-regex -d 'Keys matching this regex stay unencrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l encrypted-regex -d 'Only keys matching this regex are encrypted' -r
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l filename-override -d 'Use this file name instead of FILE for formats and the creation rule (required with stdin)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s i -l in-place -d 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from encrypt" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l input-type -d 'Input (and editing) format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from edit" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l value-stdin -d 'Read the value from stdin (keeps it out of the process list)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l value-file -d 'VALUE is a file to read the value from'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l idempotent -d 'Do not write the file when the value is already set'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l idempotent -d 'Succeed without writing when INDEX does not exist'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l ignore-mac -d 'Decrypt even when the MAC is missing or does not match'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -l input-type -d 'Input format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s y -l yes -d 'Apply the changes without asking'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from updatekeys" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l input-type -d 'Input format (default: from the file\'s extension; anything else is binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l output-type -d 'Output format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l output -d 'Write the result to this file instead of stdout' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s i -l in-place -d 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -l input-type -d 'Input format (default: from the file\'s extension)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
binary\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -s C -l project-dir -d 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -l config -d 'Read settings from FILE on top of the project\'s ssp.toml' -r -F
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -l color -d 'When to use colour (NO_COLOR in the environment means never, unless --color always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -s v -l verbose -d 'Say more: -v shows every command and API call ssp makes, -vv adds debugging detail'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -s q -l quiet -d 'Say less: only warnings and errors'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -l dry-run -d 'Print every external command and API call that would change something, and do nothing'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -l no-progress -d 'Plain log lines instead of progress bars (automatic when stderr is not a terminal)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -s h -l help -d 'Print help'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from filestatus" -s V -l version -d 'Print version'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "decrypt" -d 'Decrypt a file (or stdin) and print the plaintext'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "encrypt" -d 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set the value at INDEX (sops\' path syntax) to VALUE (JSON) and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove the key at INDEX and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "updatekeys" -d 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Generate a new data key and re-encrypt every value with it'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "filestatus" -d 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
complete -c ssp -n "__fish_ssp_using_subcommand sops; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "config" -d 'Show the resolved configuration, each value with where it came from'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "doctor" -d 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "edit-cloud-values" -d 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "sops" -d 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the first .sops.yaml found walking up from the current directory)'
complete -c ssp -n "__fish_ssp_using_subcommand help; and not __fish_seen_subcommand_from config doctor completions edit-cloud-values sops help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "decrypt" -d 'Decrypt a file (or stdin) and print the plaintext'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "encrypt" -d 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "edit" -d 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "set" -d 'Set the value at INDEX (sops\' path syntax) to VALUE (JSON) and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "unset" -d 'Remove the key at INDEX and re-encrypt the file in place'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "updatekeys" -d 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "rotate" -d 'Generate a new data key and re-encrypt every value with it'
complete -c ssp -n "__fish_ssp_using_subcommand help; and __fish_seen_subcommand_from sops" -f -a "filestatus" -d 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
