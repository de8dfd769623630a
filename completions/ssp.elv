
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
            cand completions 'Print shell completions for SHELL to stdout'
            cand edit-cloud-values 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
            cand sops 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the first .sops.yaml found walking up from the current directory)'
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
        &'ssp;edit-cloud-values'= {
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
        &'ssp;sops'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand --extract 'With -d: print only this part of the document, e.g. ''["secret"]["db"]'''
            cand -a 'Comma-separated age recipients (age1…)'
            cand --age 'Comma-separated age recipients (age1…)'
            cand -p 'Comma-separated PGP fingerprints'
            cand --pgp 'Comma-separated PGP fingerprints'
            cand -k 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS'
            cand --kms 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS'
            cand --unencrypted-suffix 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)'
            cand --encrypted-suffix 'Only keys ending in this suffix are encrypted'
            cand --unencrypted-regex 'Keys matching this regex stay unencrypted'
            cand --encrypted-regex 'Only keys matching this regex are encrypted'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -d 'Legacy form of `decrypt`: `ssp sops -d FILE`'
            cand --decrypt 'Legacy form of `decrypt`: `ssp sops -d FILE`'
            cand -e 'Legacy form of `encrypt`: `ssp sops -e FILE`'
            cand --encrypt 'Legacy form of `encrypt`: `ssp sops -e FILE`'
            cand -r 'Legacy form of `rotate`: `ssp sops -r FILE`'
            cand --rotate 'Legacy form of `rotate`: `ssp sops -r FILE`'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
            cand decrypt 'Decrypt a file (or stdin) and print the plaintext'
            cand encrypt 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
            cand edit 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
            cand set 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place'
            cand unset 'Remove the key at INDEX and re-encrypt the file in place'
            cand updatekeys 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
            cand rotate 'Generate a new data key and re-encrypt every value with it'
            cand filestatus 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;sops;decrypt'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand --extract 'Print only this part of the document, e.g. ''["secret"]["db"]'''
            cand --filename-override 'Use this file name instead of FILE for picking the formats (useful with stdin)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
        &'ssp;sops;encrypt'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand -a 'Comma-separated age recipients (age1…)'
            cand --age 'Comma-separated age recipients (age1…)'
            cand -p 'Comma-separated PGP fingerprints'
            cand --pgp 'Comma-separated PGP fingerprints'
            cand -k 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS'
            cand --kms 'Comma-separated AWS KMS key ARNs (ARN+ROLE_ARN for a role); carried in the file, but this build cannot call KMS'
            cand --unencrypted-suffix 'Keys ending in this suffix stay unencrypted (default `_unencrypted`)'
            cand --encrypted-suffix 'Only keys ending in this suffix are encrypted'
            cand --unencrypted-regex 'Keys matching this regex stay unencrypted'
            cand --encrypted-regex 'Only keys matching this regex are encrypted'
            cand --filename-override 'Use this file name instead of FILE for formats and the creation rule (required with stdin)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
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
        &'ssp;sops;edit'= {
            cand --input-type 'Input (and editing) format (default: from the file''s extension)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
        &'ssp;sops;set'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --value-stdin 'Read the value from stdin (keeps it out of the process list)'
            cand --value-file 'VALUE is a file to read the value from'
            cand --idempotent 'Do not write the file when the value is already set'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
        &'ssp;sops;unset'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand --idempotent 'Succeed without writing when INDEX does not exist'
            cand --ignore-mac 'Decrypt even when the MAC is missing or does not match'
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
        &'ssp;sops;updatekeys'= {
            cand --input-type 'Input format (default: from the file''s extension)'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -y 'Apply the changes without asking'
            cand --yes 'Apply the changes without asking'
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
        &'ssp;sops;rotate'= {
            cand --input-type 'Input format (default: from the file''s extension; anything else is binary)'
            cand --output-type 'Output format (default: from the file''s extension)'
            cand --output 'Write the result to this file instead of stdout'
            cand -C 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --project-dir 'Use DIR as the project root instead of searching upward from the current folder for ssp.toml (or a deployment/ folder)'
            cand --config 'Read settings from FILE on top of the project''s ssp.toml'
            cand --color 'When to use colour (NO_COLOR in the environment means never, unless --color always)'
            cand -i 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
            cand --in-place 'Write the result back to FILE (atomically: a temp file beside it, then a rename)'
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
        &'ssp;sops;filestatus'= {
            cand --input-type 'Input format (default: from the file''s extension)'
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
        &'ssp;sops;help'= {
            cand decrypt 'Decrypt a file (or stdin) and print the plaintext'
            cand encrypt 'Encrypt a plaintext file (or stdin) for the given recipients or the .sops.yaml creation rule'
            cand edit 'Edit an encrypted file in $SOPS_EDITOR / $EDITOR (see `ssp edit-cloud-values --help`)'
            cand set 'Set the value at INDEX (sops'' path syntax) to VALUE (JSON) and re-encrypt the file in place'
            cand unset 'Remove the key at INDEX and re-encrypt the file in place'
            cand updatekeys 'Re-wrap the data key of FILE for the master keys of its .sops.yaml creation rule'
            cand rotate 'Generate a new data key and re-encrypt every value with it'
            cand filestatus 'Print whether FILE is sops-encrypted, as JSON: {"encrypted":true}'
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
        &'ssp;sops;help;help'= {
        }
        &'ssp;help'= {
            cand config 'Show the resolved configuration, each value with where it came from'
            cand doctor 'Check that this machine can run the stack: Docker, tools, ports, chart, disk'
            cand completions 'Print shell completions for SHELL to stdout'
            cand edit-cloud-values 'Edit the SOPS-encrypted cloud values (`values.cloud` in ssp.toml) in your editor, like `sops edit`: decrypted only into a private temporary file, re-encrypted with the same data key and replaced atomically when you save a valid change'
            cand sops 'Read and write SOPS files like the sops CLI, in-process: decrypt, encrypt, edit, set, unset, updatekeys, rotate, filestatus. `ssp sops -d FILE`, `-e FILE`, `-d -i FILE` and `ssp sops FILE` (edit) work as with sops. The global --config FILE names the .sops.yaml here (default: the first .sops.yaml found walking up from the current directory)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssp;help;config'= {
        }
        &'ssp;help;doctor'= {
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
        &'ssp;help;help'= {
        }
    ]
    $completions[$command]
}
