# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vsrec_global_optspecs
    string join \n json v/verbose q/quiet config= profile= h/help V/version
end

function __fish_vsrec_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vsrec_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vsrec_using_subcommand
    set -l cmd (__fish_vsrec_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vsrec -n "__fish_vsrec_needs_command" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_needs_command" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_needs_command" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_needs_command" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_needs_command" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_needs_command" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_needs_command" -s V -l version -d 'Print version'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "list" -d 'Show the recording files of sessions, or the sessions of a date range (--from)'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "download" -d 'Download every recording file of one or more sessions, verified and resumable'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "serve" -d 'Receive Zoom\'s recording webhooks and archive each announced recording as download does'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "verify" -d 'Re-hash archived files against each session folder\'s SHA256SUMS'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "delete" -d 'Delete recordings from Zoom\'s cloud (trash by default) once the archive proves each file'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "recover" -d 'Recover a session\'s recordings (or one file) from Zoom\'s trash'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "config" -d 'Show the settings in use and where each comes from (flag, environment, profile, default)'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c vsrec -n "__fish_vsrec_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l from -d 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l to -d '...and on or before DATE (same syntax; default today, UTC)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l name -d 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l key -d 'Only sessions with this session_key (exact)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l shard -d 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l trash -d 'List what is in Zoom\'s trash (whole sessions and single files) instead'
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand list" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l event -d 'Archive the files a saved Zoom webhook body announces (a recording, transcript or summary completed event); `-` reads it from stdin' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s o -l out -d 'Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s j -l jobs -d 'Files to download at once (1 to 32)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s t -l type -d 'Only these files, comma-separated, case-insensitive: each value is a Zoom file_type (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l from -d 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l to -d '...and on or before DATE (same syntax; default today, UTC)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l name -d 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l key -d 'Only sessions with this session_key (exact)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l shard -d 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l overwrite -d 'Download again even when a complete file is already there'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s n -l dry-run -d 'Print what would be done, transfer nothing'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l delete-after -d 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l permanently -d 'With --delete-after: delete for good instead of to the trash'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s y -l yes -d 'Delete without asking (required when there is no terminal to ask on, as from cron)'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l trust-manifest -d 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand download" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l listen -d 'Address and port to listen on; put a TLS reverse proxy in front of it' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s o -l out -d 'Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l path -d 'URL path that Zoom posts events to' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l spool -d 'Local folder for received events until they are archived; required when OUT is a bucket [default: OUT/.vsrec-spool]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s j -l jobs -d 'Events archived at once, and files downloaded at once across them (1 to 32)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l delete-after -d 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l permanently -d 'With --delete-after: delete for good instead of to the trash'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s y -l yes -d 'Delete without asking (required when there is no terminal to ask on, as from cron)'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l trust-manifest -d 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand serve" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -s o -l out -d 'The archive folder (or object-store URL) to verify when no DIR is given' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -s j -l jobs -d 'Files hashed at once (1 to 32; default: one per CPU)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l remote -d 'Also list each session from Zoom and report files it has that the archive lacks'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l quick -d 'On an object store (s3://, gs://, az://): check sizes and stored SHA-256 metadata with one HEAD per object instead of re-hashing every object'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand verify" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s o -l out -d 'The archive that must prove each file before it is deleted from Zoom: a folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…)' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l from -d 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l to -d '...and on or before DATE (same syntax; default today, UTC)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l name -d 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l key -d 'Only sessions with this session_key (exact)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l shard -d 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l permanently -d 'Delete for good (action=delete) instead of moving to Zoom\'s trash for 30 days'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s y -l yes -d 'Delete without asking (required when there is no terminal to ask on, as from cron)'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l trust-manifest -d 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s n -l dry-run -d 'Print what would be deleted and what kept, delete nothing'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand delete" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l file -d 'Only this file (its `id`, as `vsrec list --trash` shows it)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand recover" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print the settings vsrec would use (secrets redacted) and where each came from'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l out -d 'Directory to download into, as `vsrec download --out` would take it' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -s j -l jobs -d 'Files to download at once, as `vsrec download --jobs` would take it' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l api-base -d 'Zoom API base URL; plain http:// only for loopback hosts' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l api-key -d 'Video SDK API key (the API key, not the SDK key)' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l retries -d 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the settings vsrec would use (secrets redacted) and where each came from'
complete -c vsrec -n "__fish_vsrec_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -l config -d 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]' -r -F
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -l profile -d 'Profile of the config file to use [default: the profile named "default", if the file has one]' -r
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -l json -d 'Write JSON Lines to stdout instead of tables'
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -s v -l verbose -d 'Log each request on stderr (URLs are redacted), after the settings in use'
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -s q -l quiet -d 'Print errors only on stderr'
complete -c vsrec -n "__fish_vsrec_using_subcommand completions" -s h -l help -d 'Print help'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "list" -d 'Show the recording files of sessions, or the sessions of a date range (--from)'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "download" -d 'Download every recording file of one or more sessions, verified and resumable'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "serve" -d 'Receive Zoom\'s recording webhooks and archive each announced recording as download does'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "verify" -d 'Re-hash archived files against each session folder\'s SHA256SUMS'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "delete" -d 'Delete recordings from Zoom\'s cloud (trash by default) once the archive proves each file'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "recover" -d 'Recover a session\'s recordings (or one file) from Zoom\'s trash'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "config" -d 'Show the settings in use and where each comes from (flag, environment, profile, default)'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and not __fish_seen_subcommand_from list download serve verify delete recover config completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vsrec -n "__fish_vsrec_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the settings vsrec would use (secrets redacted) and where each came from'
