
use builtin;
use str;

set edit:completion:arg-completer[vsrec] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vsrec'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vsrec'= {
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'Show the recording files of sessions, or the sessions of a date range (--from)'
            cand download 'Download every recording file of one or more sessions, verified and resumable'
            cand serve 'Receive Zoom''s recording webhooks and archive each announced recording as download does'
            cand verify 'Re-hash archived files against each session folder''s SHA256SUMS'
            cand delete 'Delete recordings from Zoom''s cloud (trash by default) once the archive proves each file'
            cand recover 'Recover a session''s recordings (or one file) from Zoom''s trash'
            cand config 'Show the settings in use and where each comes from (flag, environment, profile, default)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vsrec;list'= {
            cand --from 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)'
            cand --to '...and on or before DATE (same syntax; default today, UTC)'
            cand --name 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)'
            cand --key 'Only sessions with this session_key (exact)'
            cand --shard 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --trash 'List what is in Zoom''s trash (whole sessions and single files) instead'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;download'= {
            cand --event 'Archive the files a saved Zoom webhook body announces (a recording, transcript or summary completed event); `-` reads it from stdin'
            cand -o 'Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it'
            cand --out 'Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it'
            cand -j 'Files to download at once (1 to 32)'
            cand --jobs 'Files to download at once (1 to 32)'
            cand -t 'Only these files, comma-separated, case-insensitive: each value is a Zoom file_type (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)'
            cand --type 'Only these files, comma-separated, case-insensitive: each value is a Zoom file_type (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --from 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)'
            cand --to '...and on or before DATE (same syntax; default today, UTC)'
            cand --name 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)'
            cand --key 'Only sessions with this session_key (exact)'
            cand --shard 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --overwrite 'Download again even when a complete file is already there'
            cand -n 'Print what would be done, transfer nothing'
            cand --dry-run 'Print what would be done, transfer nothing'
            cand --delete-after 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)'
            cand --permanently 'With --delete-after: delete for good instead of to the trash'
            cand -y 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --yes 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --trust-manifest 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;serve'= {
            cand --listen 'Address and port to listen on; put a TLS reverse proxy in front of it'
            cand -o 'Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it'
            cand --out 'Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it'
            cand --path 'URL path that Zoom posts events to'
            cand --spool 'Local folder for received events until they are archived; required when OUT is a bucket [default: OUT/.vsrec-spool]'
            cand -j 'Events archived at once, and files downloaded at once across them (1 to 32)'
            cand --jobs 'Events archived at once, and files downloaded at once across them (1 to 32)'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --delete-after 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)'
            cand --permanently 'With --delete-after: delete for good instead of to the trash'
            cand -y 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --yes 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --trust-manifest 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;verify'= {
            cand -o 'The archive folder (or object-store URL) to verify when no DIR is given'
            cand --out 'The archive folder (or object-store URL) to verify when no DIR is given'
            cand -j 'Files hashed at once (1 to 32; default: one per CPU)'
            cand --jobs 'Files hashed at once (1 to 32; default: one per CPU)'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --remote 'Also list each session from Zoom and report files it has that the archive lacks'
            cand --quick 'On an object store (s3://, gs://, az://): check sizes and stored SHA-256 metadata with one HEAD per object instead of re-hashing every object'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;delete'= {
            cand -o 'The archive that must prove each file before it is deleted from Zoom: a folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…)'
            cand --out 'The archive that must prove each file before it is deleted from Zoom: a folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…)'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --from 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)'
            cand --to '...and on or before DATE (same syntax; default today, UTC)'
            cand --name 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)'
            cand --key 'Only sessions with this session_key (exact)'
            cand --shard 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --permanently 'Delete for good (action=delete) instead of moving to Zoom''s trash for 30 days'
            cand -y 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --yes 'Delete without asking (required when there is no terminal to ask on, as from cron)'
            cand --trust-manifest 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)'
            cand -n 'Print what would be deleted and what kept, delete nothing'
            cand --dry-run 'Print what would be deleted and what kept, delete nothing'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;recover'= {
            cand --file 'Only this file (its `id`, as `vsrec list --trash` shows it)'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;config'= {
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'Print the settings vsrec would use (secrets redacted) and where each came from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vsrec;config;show'= {
            cand -o 'Directory to download into, as `vsrec download --out` would take it'
            cand --out 'Directory to download into, as `vsrec download --out` would take it'
            cand -j 'Files to download at once, as `vsrec download --jobs` would take it'
            cand --jobs 'Files to download at once, as `vsrec download --jobs` would take it'
            cand --api-base 'Zoom API base URL; plain http:// only for loopback hosts'
            cand --api-key 'Video SDK API key (the API key, not the SDK key)'
            cand --retries 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx'
            cand --timeout 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled'
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;config;help'= {
            cand show 'Print the settings vsrec would use (secrets redacted) and where each came from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vsrec;config;help;show'= {
        }
        &'vsrec;config;help;help'= {
        }
        &'vsrec;completions'= {
            cand --config 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]'
            cand --profile 'Profile of the config file to use [default: the profile named "default", if the file has one]'
            cand --json 'Write JSON Lines to stdout instead of tables'
            cand -v 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand --verbose 'Log each request on stderr (URLs are redacted), after the settings in use'
            cand -q 'Print errors only on stderr'
            cand --quiet 'Print errors only on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vsrec;help'= {
            cand list 'Show the recording files of sessions, or the sessions of a date range (--from)'
            cand download 'Download every recording file of one or more sessions, verified and resumable'
            cand serve 'Receive Zoom''s recording webhooks and archive each announced recording as download does'
            cand verify 'Re-hash archived files against each session folder''s SHA256SUMS'
            cand delete 'Delete recordings from Zoom''s cloud (trash by default) once the archive proves each file'
            cand recover 'Recover a session''s recordings (or one file) from Zoom''s trash'
            cand config 'Show the settings in use and where each comes from (flag, environment, profile, default)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vsrec;help;list'= {
        }
        &'vsrec;help;download'= {
        }
        &'vsrec;help;serve'= {
        }
        &'vsrec;help;verify'= {
        }
        &'vsrec;help;delete'= {
        }
        &'vsrec;help;recover'= {
        }
        &'vsrec;help;config'= {
            cand show 'Print the settings vsrec would use (secrets redacted) and where each came from'
        }
        &'vsrec;help;config;show'= {
        }
        &'vsrec;help;completions'= {
        }
        &'vsrec;help;help'= {
        }
    ]
    $completions[$command]
}
