
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'vsrec' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'vsrec'
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
        'vsrec' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the recording files of sessions, or the sessions of a date range (--from)')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download every recording file of one or more sessions, verified and resumable')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive Zoom''s recording webhooks and archive each announced recording as download does')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash archived files against each session folder''s SHA256SUMS')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete recordings from Zoom''s cloud (trash by default) once the archive proves each file')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Recover a session''s recordings (or one file) from Zoom''s trash')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in use and where each comes from (flag, environment, profile, default)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vsrec;list' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, '...and on or before DATE (same syntax; default today, UTC)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only sessions with this session_key (exact)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--trash', '--trash', [CompletionResultType]::ParameterName, 'List what is in Zoom''s trash (whole sessions and single files) instead')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;download' {
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Archive the files a saved Zoom webhook body announces (a recording, transcript or summary completed event); `-` reads it from stdin')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Files to download at once (1 to 32)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Files to download at once (1 to 32)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Only these files, comma-separated, case-insensitive: each value is a Zoom file_type (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only these files, comma-separated, case-insensitive: each value is a Zoom file_type (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, '...and on or before DATE (same syntax; default today, UTC)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only sessions with this session_key (exact)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Download again even when a complete file is already there')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print what would be done, transfer nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be done, transfer nothing')
            [CompletionResult]::new('--delete-after', '--delete-after', [CompletionResultType]::ParameterName, 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)')
            [CompletionResult]::new('--permanently', '--permanently', [CompletionResultType]::ParameterName, 'With --delete-after: delete for good instead of to the trash')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--trust-manifest', '--trust-manifest', [CompletionResultType]::ParameterName, 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on; put a TLS reverse proxy in front of it')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session gets a folder (a key prefix) inside it')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'URL path that Zoom posts events to')
            [CompletionResult]::new('--spool', '--spool', [CompletionResultType]::ParameterName, 'Local folder for received events until they are archived; required when OUT is a bucket [default: OUT/.vsrec-spool]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Events archived at once, and files downloaded at once across them (1 to 32)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Events archived at once, and files downloaded at once across them (1 to 32)')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--delete-after', '--delete-after', [CompletionResultType]::ParameterName, 'Then delete from Zoom (to its trash) each session whose every file is archived and proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)')
            [CompletionResult]::new('--permanently', '--permanently', [CompletionResultType]::ParameterName, 'With --delete-after: delete for good instead of to the trash')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--trust-manifest', '--trust-manifest', [CompletionResultType]::ParameterName, 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;verify' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The archive folder (or object-store URL) to verify when no DIR is given')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The archive folder (or object-store URL) to verify when no DIR is given')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Files hashed at once (1 to 32; default: one per CPU)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Files hashed at once (1 to 32; default: one per CPU)')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Also list each session from Zoom and report files it has that the archive lacks')
            [CompletionResult]::new('--quick', '--quick', [CompletionResultType]::ParameterName, 'On an object store (s3://, gs://, az://): check sizes and stored SHA-256 metadata with one HEAD per object instead of re-hashing every object')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;delete' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The archive that must prove each file before it is deleted from Zoom: a folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The archive that must prove each file before it is deleted from Zoom: a folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…)')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h; for download also `last` (where the last complete run ended, minus a day)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, '...and on or before DATE (same syntax; default today, UTC)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only sessions with this session_key (exact)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines running the same command with K = 0..N-1 take each session exactly once')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--permanently', '--permanently', [CompletionResultType]::ParameterName, 'Delete for good (action=delete) instead of moving to Zoom''s trash for 30 days')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (required when there is no terminal to ask on, as from cron)')
            [CompletionResult]::new('--trust-manifest', '--trust-manifest', [CompletionResultType]::ParameterName, 'Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists no size for are still re-hashed)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print what would be deleted and what kept, delete nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be deleted and what kept, delete nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;recover' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Only this file (its `id`, as `vsrec list --trash` shows it)')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings vsrec would use (secrets redacted) and where each came from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vsrec;config;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Directory to download into, as `vsrec download --out` would take it')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to download into, as `vsrec download --out` would take it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Files to download at once, as `vsrec download --jobs` would take it')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Files to download at once, as `vsrec download --jobs` would take it')
            [CompletionResult]::new('--api-base', '--api-base', [CompletionResultType]::ParameterName, 'Zoom API base URL; plain http:// only for loopback hosts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Video SDK API key (the API key, not the SDK key)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries per request or file after connection errors, stalls, 408, 429 and 5xx')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings vsrec would use (secrets redacted) and where each came from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vsrec;config;help;show' {
            break
        }
        'vsrec;config;help;help' {
            break
        }
        'vsrec;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else ~/.config/vsrec/config.toml]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: the profile named "default", if the file has one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write JSON Lines to stdout instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (URLs are redacted), after the settings in use')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vsrec;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the recording files of sessions, or the sessions of a date range (--from)')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download every recording file of one or more sessions, verified and resumable')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive Zoom''s recording webhooks and archive each announced recording as download does')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash archived files against each session folder''s SHA256SUMS')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete recordings from Zoom''s cloud (trash by default) once the archive proves each file')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Recover a session''s recordings (or one file) from Zoom''s trash')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in use and where each comes from (flag, environment, profile, default)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vsrec;help;list' {
            break
        }
        'vsrec;help;download' {
            break
        }
        'vsrec;help;serve' {
            break
        }
        'vsrec;help;verify' {
            break
        }
        'vsrec;help;delete' {
            break
        }
        'vsrec;help;recover' {
            break
        }
        'vsrec;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings vsrec would use (secrets redacted) and where each came from')
            break
        }
        'vsrec;help;config;show' {
            break
        }
        'vsrec;help;completions' {
            break
        }
        'vsrec;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
