
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'evops' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'evops'
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
        'evops' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Read records from topics, capture files or stdin, and print them (live: from the end, following)')
            [CompletionResult]::new('filter', 'filter', [CompletionResultType]::ParameterValue, 'Keep the records that match a jq expression and/or shortcuts; print them or write them to a capture file or a topic')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Everything that happened to an entity, across topics, in time order: records keyed by the id or whose event mentions it')
            [CompletionResult]::new('sample', 'sample', [CompletionResultType]::ParameterValue, 'A fair sample of the records a filter keeps: by rate, by key, a reservoir, per stratum or per time window')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Copy records into a topic: faithful (key, value, headers, timestamp), resumable exactly once with --checkpoint or --group, rate-limited, with a dry run')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Copy records into a topic under new keys (a jq expression or a template), placed by a partitioner, and check where every key landed')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the embedded demo cluster in the foreground and keep producing a trickle of events')
            [CompletionResult]::new('partition', 'partition', [CompletionResultType]::ParameterValue, 'Where would each Kafka client put these keys? One row per distinct answer')
            [CompletionResult]::new('schema-validate', 'schema-validate', [CompletionResultType]::ParameterValue, 'Check events against their schemas (Avro, JSON Schema, a schema registry) and the house lint rules; a summary table, the first violations, JUnit for CI')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Schema tools')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write man pages and shell completions (for packagers and the repo)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;tail' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The producers'' partitioner (`evops partition --list`): with --key, it says which partition to read (''all'' reads every one; ''auto'' audits the topic''s latest records and takes the partitioner they show); replay --partitioning hash places records with it. [default: java]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Stop at the end offsets taken when the read started (like kcat -e)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Stop at the end offsets taken when the read started (like kcat -e)')
            [CompletionResult]::new('--ordered', '--ordered', [CompletionResultType]::ParameterName, 'Merge partitions and topics into timestamp order (see the README for what it tolerates)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;filter' {
            [CompletionResult]::new('--merge-buffer', '--merge-buffer', [CompletionResultType]::ParameterName, 'With --ordered: the most records the merge may hold before order may slip')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where matches go: a capture file (a path with ''/'', or ending in .ndjson), or a topic. [default: stdout]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The producers'' partitioner (`evops partition --list`): with --key, it says which partition to read (''all'' reads every one; ''auto'' audits the topic''s latest records and takes the partitioner they show); replay --partitioning hash places records with it. [default: java]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records (without it, the read stops at the end offsets taken at the start)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records (without it, the read stops at the end offsets taken at the start)')
            [CompletionResult]::new('--ordered', '--ordered', [CompletionResultType]::ParameterName, 'Merge partitions and topics into timestamp order (see the README for what it tolerates)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Decide everything, refusals included, and write nothing: say what would be written')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--allow-loop', '--allow-loop', [CompletionResultType]::ParameterName, 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Print only the number of matching records')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only the number of matching records')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print a table of matches per topic, event type and partition (instead of the records)')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the jq program equivalent to the given conditions, and exit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;trace' {
            [CompletionResult]::new('--topics', '--topics', [CompletionResultType]::ParameterName, 'Where to look: topics (a leading ^ makes a regex), capture files, or - for stdin (repeatable). [default: every topic whose name does not start with _]')
            [CompletionResult]::new('--merge-buffer', '--merge-buffer', [CompletionResultType]::ParameterName, 'The most records the time-ordered merge may hold before order may slip')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The producers'' partitioner (`evops partition --list`): with --key, it says which partition to read (''all'' reads every one; ''auto'' audits the topic''s latest records and takes the partitioner they show); replay --partitioning hash places records with it. [default: java]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;sample' {
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Keep each record with this probability (0 < RATE <= 1); with --by-key, each key')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'A uniform sample of N records over the whole range read (reservoir; shown at the end)')
            [CompletionResult]::new('--per', '--per', [CompletionResultType]::ParameterName, 'N records per value of a jq expression, e.g. --per .value.data.type 5 (shown at the end)')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'N records per time window by record timestamp, e.g. --every 10m 3')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'The seed of every random choice: the same seed and input give the same sample')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where the sample goes: a capture file (a path with ''/'', or ending in .ndjson), or a topic. [default: stdout]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The producers'' partitioner (`evops partition --list`): with --key, it says which partition to read (''all'' reads every one; ''auto'' audits the topic''s latest records and takes the partitioner they show); replay --partitioning hash places records with it. [default: java]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--by-key', '--by-key', [CompletionResultType]::ParameterName, 'With --rate: keep or leave out whole keys, the same way on every run and machine')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading at the end of topics, waiting for new records')
            [CompletionResult]::new('--ordered', '--ordered', [CompletionResultType]::ParameterName, 'Merge partitions and topics into timestamp order before sampling')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Decide everything, refusals included, and write nothing: say what would be written')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--allow-loop', '--allow-loop', [CompletionResultType]::ParameterName, 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;replay' {
            [CompletionResult]::new('--partitioning', '--partitioning', [CompletionResultType]::ParameterName, 'Where a copy goes: the source record''s partition (keep), or its key hashed with --partitioner (hash). (-p/--partition picks source partitions.)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The topic to write to')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Keep the source timestamps, or stamp copies with the time of the replay')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many records (500/s) or bytes (2MB/s, 512KiB/s) per second')
            [CompletionResult]::new('--checkpoint', '--checkpoint', [CompletionResultType]::ParameterName, 'Keep progress in this file; running the same command again resumes exactly once. [default: $XDG_STATE_HOME/evops/replays/<replay id>.ckpt, or ~/.local/state/...]')
            [CompletionResult]::new('--dead-letter', '--dead-letter', [CompletionResultType]::ParameterName, 'Where records that cannot be written go (capture format). [default: ./evops-replay-<id>.dead.ndjson]')
            [CompletionResult]::new('--replay-id', '--replay-id', [CompletionResultType]::ParameterName, 'Name the replay (default: a hash of sources, range, filter, target and placement)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The producers'' partitioner (`evops partition --list`): with --key, it says which partition to read (''all'' reads every one; ''auto'' audits the topic''s latest records and takes the partitioner they show); replay --partitioning hash places records with it. [default: java]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Decide everything, refusals included, and write nothing: say what would be written')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--allow-loop', '--allow-loop', [CompletionResultType]::ParameterName, 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)')
            [CompletionResult]::new('--no-provenance', '--no-provenance', [CompletionResultType]::ParameterName, 'Do not add the evops-source and evops-replay-id headers (a replay without them cannot be resumed exactly once, nor guarded against loops)')
            [CompletionResult]::new('--no-checkpoint', '--no-checkpoint', [CompletionResultType]::ParameterName, 'Keep no checkpoint: an interrupted replay then copies everything again when run again')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;rekey' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The new key: a jq expression over the record, e.g. .value.data.attributes.email')
            [CompletionResult]::new('--key-template', '--key-template', [CompletionResultType]::ParameterName, 'The new key from a template, e.g. ''{value.meta.tenant}:{key}''')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How the new key is written: string | json | int32 | int64 (big-endian, as Java''s serializers). Source keys are read as `auto`')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'The partitioner that places the new keys (`evops partition --list`)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'With --create-topic: how many partitions')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The topic to write to')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Keep the source timestamps, or stamp copies with the time of the replay')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many records (500/s) or bytes (2MB/s, 512KiB/s) per second')
            [CompletionResult]::new('--checkpoint', '--checkpoint', [CompletionResultType]::ParameterName, 'Keep progress in this file; running the same command again resumes exactly once. [default: $XDG_STATE_HOME/evops/replays/<replay id>.ckpt, or ~/.local/state/...]')
            [CompletionResult]::new('--dead-letter', '--dead-letter', [CompletionResultType]::ParameterName, 'Where records that cannot be written go (capture format). [default: ./evops-replay-<id>.dead.ndjson]')
            [CompletionResult]::new('--replay-id', '--replay-id', [CompletionResultType]::ParameterName, 'Name the replay (default: a hash of sources, range, filter, target and placement)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only records whose raw value matches this regex')
            [CompletionResult]::new('--grep-key', '--grep-key', [CompletionResultType]::ParameterName, 'Only records whose raw key matches this regex')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable), instead of the envelope''s')
            [CompletionResult]::new('--id-path', '--id-path', [CompletionResultType]::ParameterName, 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'How a dry run shows its examples: pretty | json | capture | raw | a template')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How a dry run shows its examples: pretty | json | capture | raw | a template')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values: auto | string | json | int32 | int64 | hex | base64')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--create-topic', '--create-topic', [CompletionResultType]::ParameterName, 'Create the target topic when it does not exist (with --partitions)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Decide everything, refusals included, and write nothing: say what would be written')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before writing more than 10,000 records from a terminal')
            [CompletionResult]::new('--allow-loop', '--allow-loop', [CompletionResultType]::ParameterName, 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)')
            [CompletionResult]::new('--no-provenance', '--no-provenance', [CompletionResultType]::ParameterName, 'Do not add the evops-source and evops-replay-id headers (a replay without them cannot be resumed exactly once, nor guarded against loops)')
            [CompletionResult]::new('--no-checkpoint', '--no-checkpoint', [CompletionResultType]::ParameterName, 'Keep no checkpoint: an interrupted replay then copies everything again when run again')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;demo' {
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Live events per second after the seeded history (0 for none)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop by itself after this long (exit 0), e.g. 30s or 10m')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;partition' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The number of partitions')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'The number of partitions')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Take the partition count from this topic on the cluster')
            [CompletionResult]::new('--key-format', '--key-format', [CompletionResultType]::ParameterName, 'How keys are typed: string | int32 | int64 (big-endian, as Java''s serializers write them) | hex | base64')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output: table (for people) or json (one object per key and line; a stable contract)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--compare-formats', '--compare-formats', [CompletionResultType]::ParameterName, 'Show each key as a string and, when it is a number, as int32 and int64: the int-versus-string mismatch')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List every partitioner evops knows, with the clients that use it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Find keys that producers put on different partitions, and name the producers'' partitioners')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;partition;audit' {
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Report records on another partition than this partitioner says (see `evops partition --list`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start (the tail forms) [default: beginning]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start (the tail forms) [default: beginning]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (the tail forms) [default: the end offsets when the audit starts]')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'The topic''s partition count, for capture files (they do not say)')
            [CompletionResult]::new('--max-keys', '--max-keys', [CompletionResultType]::ParameterName, 'Track at most this many distinct keys for splits (memory: roughly 65 bytes each)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output: table or json (one object)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;partition;help' {
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Find keys that producers put on different partitions, and name the producers'' partitioners')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;partition;help;audit' {
            break
        }
        'evops;partition;help;help' {
            break
        }
        'evops;schema-validate' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A schema file, or a directory of .avsc and JSON Schema .json files (repeatable)')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'A schema file, or a directory of .avsc and JSON Schema .json files (repeatable)')
            [CompletionResult]::new('--schema-for', '--schema-for', [CompletionResultType]::ParameterName, 'Which schema applies to an event')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('--subject-strategy', '--subject-strategy', [CompletionResultType]::ParameterName, 'How unframed events name their registry subject: topic (<topic>-value), record (the event type as record name), topic-record (<topic>-<type>)')
            [CompletionResult]::new('--value-format', '--value-format', [CompletionResultType]::ParameterName, 'How to read values')
            [CompletionResult]::new('--type-path', '--type-path', [CompletionResultType]::ParameterName, 'Where the event type is, as a dot path (repeatable). [default: data.type; CloudEvents: type]')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'With --lint: a field every event must have, as a dot path (repeatable). [default: data.id, data.type, meta.created_at]')
            [CompletionResult]::new('--id-field', '--id-field', [CompletionResultType]::ParameterName, 'With --lint: what identifies an event, for duplicates: a dot path (repeatable; the values together). [default: data.type, data.id and meta.created_at: the same fact twice; give your envelope''s event id if it has one]')
            [CompletionResult]::new('--time-field', '--time-field', [CompletionResultType]::ParameterName, 'With --lint: a time field to check, as a dot path (repeatable). [default: meta.created_at]')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'With --lint: events larger than this many bytes are fat (e.g. 16384, 64k, 1m)')
            [CompletionResult]::new('--max-future', '--max-future', [CompletionResultType]::ParameterName, 'With --lint: how far in the future a timestamp may be (clock skew)')
            [CompletionResult]::new('--oldest', '--oldest', [CompletionResultType]::ParameterName, 'With --lint: timestamps before this are impossibly old (an RFC 3339 time or a duration ago)')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'How many violations to show')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What stdout shows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What stdout shows')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here (a test case per schema and per lint rule)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Where to stop (exclusive): the --from forms, plus now and end')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable or comma-separated)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after writing this many records')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--lint', '--lint', [CompletionResultType]::ParameterName, 'Also check the house rules: envelope fields present, "null"/"None"/"" strings, --max-bytes, timestamps from the future or impossibly old, duplicate ids, command-style type names (a warning)')
            [CompletionResult]::new('--allow-missing', '--allow-missing', [CompletionResultType]::ParameterName, 'Events that no schema covers are counted but do not fail the run')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;schema' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('compat', 'compat', [CompletionResultType]::ParameterValue, 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;schema;compat' {
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'backward: NEW reads OLD''s data; forward: OLD reads NEW''s data; full: both. [default: backward; with --subject, the subject''s compatibility level in the registry, transitive levels against every version]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Check against this registry subject''s latest version')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile''s schema_registry]')
            [CompletionResult]::new('--registry-auth', '--registry-auth', [CompletionResultType]::ParameterName, 'Basic auth for the registry, USER:PASSWORD')
            [CompletionResult]::new('--registry-ca', '--registry-ca', [CompletionResultType]::ParameterName, 'Check an https:// registry''s certificate against this CA (a PEM file) instead of the system''s. [default: the profile''s schema_registry_ca]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;schema;help' {
            [CompletionResult]::new('compat', 'compat', [CompletionResultType]::ParameterValue, 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;schema;help;compat' {
            break
        }
        'evops;schema;help;help' {
            break
        }
        'evops;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'The folder that receives man/ and completions/')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile from the config file (brokers, librdkafka properties, schema registry)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: ~/.config/evops/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster before giving up')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show librdkafka''s logs and other details on stderr (secrets are never shown)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'evops;help' {
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Read records from topics, capture files or stdin, and print them (live: from the end, following)')
            [CompletionResult]::new('filter', 'filter', [CompletionResultType]::ParameterValue, 'Keep the records that match a jq expression and/or shortcuts; print them or write them to a capture file or a topic')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Everything that happened to an entity, across topics, in time order: records keyed by the id or whose event mentions it')
            [CompletionResult]::new('sample', 'sample', [CompletionResultType]::ParameterValue, 'A fair sample of the records a filter keeps: by rate, by key, a reservoir, per stratum or per time window')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Copy records into a topic: faithful (key, value, headers, timestamp), resumable exactly once with --checkpoint or --group, rate-limited, with a dry run')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Copy records into a topic under new keys (a jq expression or a template), placed by a partitioner, and check where every key landed')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the embedded demo cluster in the foreground and keep producing a trickle of events')
            [CompletionResult]::new('partition', 'partition', [CompletionResultType]::ParameterValue, 'Where would each Kafka client put these keys? One row per distinct answer')
            [CompletionResult]::new('schema-validate', 'schema-validate', [CompletionResultType]::ParameterValue, 'Check events against their schemas (Avro, JSON Schema, a schema registry) and the house lint rules; a summary table, the first violations, JUnit for CI')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Schema tools')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write man pages and shell completions (for packagers and the repo)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evops;help;tail' {
            break
        }
        'evops;help;filter' {
            break
        }
        'evops;help;trace' {
            break
        }
        'evops;help;sample' {
            break
        }
        'evops;help;replay' {
            break
        }
        'evops;help;rekey' {
            break
        }
        'evops;help;demo' {
            break
        }
        'evops;help;partition' {
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Find keys that producers put on different partitions, and name the producers'' partitioners')
            break
        }
        'evops;help;partition;audit' {
            break
        }
        'evops;help;schema-validate' {
            break
        }
        'evops;help;schema' {
            [CompletionResult]::new('compat', 'compat', [CompletionResultType]::ParameterValue, 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable)')
            break
        }
        'evops;help;schema;compat' {
            break
        }
        'evops;help;generate' {
            break
        }
        'evops;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
