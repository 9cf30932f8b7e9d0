# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_evops_global_optspecs
    string join \n b/brokers= X= profile= config= timeout= color= v/verbose q/quiet h/help V/version
end

function __fish_evops_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_evops_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_evops_using_subcommand
    set -l cmd (__fish_evops_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c evops -n "__fish_evops_needs_command" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_needs_command" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_needs_command" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_needs_command" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_needs_command" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_needs_command" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_needs_command" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_needs_command" -f -a "tail" -d 'Read records from topics, capture files or stdin, and print them (live: from the end, following)'
complete -c evops -n "__fish_evops_needs_command" -f -a "filter" -d 'Keep the records that match a jq expression and/or shortcuts; print them or write them to a capture file or a topic'
complete -c evops -n "__fish_evops_needs_command" -f -a "trace" -d 'Everything that happened to an entity, across topics, in time order: records keyed by the id or whose event mentions it'
complete -c evops -n "__fish_evops_needs_command" -f -a "sample" -d 'A fair sample of the records a filter keeps: by rate, by key, a reservoir, per stratum or per time window'
complete -c evops -n "__fish_evops_needs_command" -f -a "replay" -d 'Copy records into a topic: faithful (key, value, headers, timestamp), resumable exactly once with --checkpoint or --group, rate-limited, with a dry run'
complete -c evops -n "__fish_evops_needs_command" -f -a "rekey" -d 'Copy records into a topic under new keys (a jq expression or a template), placed by a partitioner, and check where every key landed'
complete -c evops -n "__fish_evops_needs_command" -f -a "demo" -d 'Run the embedded demo cluster in the foreground and keep producing a trickle of events'
complete -c evops -n "__fish_evops_needs_command" -f -a "partition" -d 'Where would each Kafka client put these keys? One row per distinct answer'
complete -c evops -n "__fish_evops_needs_command" -f -a "schema-validate" -d 'Check events against their schemas (Avro, JSON Schema, a schema registry) and the house lint rules; a summary table, the first violations, JUnit for CI'
complete -c evops -n "__fish_evops_needs_command" -f -a "schema" -d 'Schema tools'
complete -c evops -n "__fish_evops_needs_command" -f -a "stats" -d 'Event rates over time per event type, header, key, partition, topic or jq expression; flags the groups whose latest rate dropped, spiked, stopped or is new'
complete -c evops -n "__fish_evops_needs_command" -f -a "generate" -d 'Write man pages and shell completions (for packagers and the repo)'
complete -c evops -n "__fish_evops_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand tail" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -s f -l format -d 'Output: pretty | json | capture | raw | a template such as \'{topic}/{partition}@{offset} {key} {value.data.type}\'. [default: pretty on a terminal, json otherwise]' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l key-format -d 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l schema -d 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand tail" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand tail" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand tail" -l ordered -d 'Merge partitions and topics into timestamp order (see the README for what it tolerates)'
complete -c evops -n "__fish_evops_using_subcommand tail" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand tail" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand tail" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand tail" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand tail" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand filter" -l merge-buffer -d 'With --ordered: the most records the merge may hold before order may slip (and never more than 128 MiB of keys and values)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l to -d 'Where matches go: a capture file (a path with \'/\', or ending in .ndjson), or a topic. [default: stdout]' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s f -l format -d 'Output: pretty | json | capture | raw | a template such as \'{topic}/{partition}@{offset} {key} {value.data.type}\'. [default: pretty on a terminal, json otherwise]' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l key-format -d 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l schema -d 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand filter" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand filter" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand filter" -s F -l follow -d 'Keep reading at the end of topics, waiting for new records (without it, the read stops at the end offsets taken at the start)'
complete -c evops -n "__fish_evops_using_subcommand filter" -l ordered -d 'Merge partitions and topics into timestamp order (see the README for what it tolerates)'
complete -c evops -n "__fish_evops_using_subcommand filter" -s c -l count -d 'Print only the number of matching records'
complete -c evops -n "__fish_evops_using_subcommand filter" -l stats -d 'Print a table of matches per topic, event type and partition (instead of the records)'
complete -c evops -n "__fish_evops_using_subcommand filter" -l explain -d 'Print the jq program equivalent to the given conditions, and exit'
complete -c evops -n "__fish_evops_using_subcommand filter" -l dry-run -d 'Decide everything, refusals included, and write nothing: say what would be written'
complete -c evops -n "__fish_evops_using_subcommand filter" -s y -l yes -d 'Do not ask before writing more than 10,000 records from a terminal'
complete -c evops -n "__fish_evops_using_subcommand filter" -l allow-loop -d 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)'
complete -c evops -n "__fish_evops_using_subcommand filter" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand filter" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand filter" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand filter" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand filter" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand filter" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand trace" -l topics -d 'Where to look: topics (a leading ^ makes a regex), capture files, or - for stdin (repeatable). [default: every topic whose name does not start with _]' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l merge-buffer -d 'The most records the time-ordered merge may hold before order may slip (and never more than 128 MiB of keys and values)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s f -l format -d 'Output: pretty | json | capture | raw | a template such as \'{topic}/{partition}@{offset} {key} {value.data.type}\'. [default: pretty on a terminal, json otherwise]' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l key-format -d 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l schema -d 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand trace" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand trace" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand trace" -s F -l follow -d 'Keep reading at the end of topics, waiting for new records'
complete -c evops -n "__fish_evops_using_subcommand trace" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand trace" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand trace" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand trace" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand trace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand trace" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand sample" -l rate -d 'Keep each record with this probability (0 < RATE <= 1); with --by-key, each key' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l count -d 'A uniform sample of N records over the whole range read (reservoir; shown at the end)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l per -d 'N records per value of a jq expression, e.g. --per .value.data.type 5 (shown at the end)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l every -d 'N records per time window by record timestamp, e.g. --every 10m 3' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l seed -d 'The seed of every random choice: the same seed and input give the same sample' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l to -d 'Where the sample goes: a capture file (a path with \'/\', or ending in .ndjson), or a topic. [default: stdout]' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s f -l format -d 'Output: pretty | json | capture | raw | a template such as \'{topic}/{partition}@{offset} {key} {value.data.type}\'. [default: pretty on a terminal, json otherwise]' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l key-format -d 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l schema -d 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand sample" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand sample" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand sample" -l by-key -d 'With --rate: keep or leave out whole keys, the same way on every run and machine'
complete -c evops -n "__fish_evops_using_subcommand sample" -s F -l follow -d 'Keep reading at the end of topics, waiting for new records'
complete -c evops -n "__fish_evops_using_subcommand sample" -l ordered -d 'Merge partitions and topics into timestamp order before sampling'
complete -c evops -n "__fish_evops_using_subcommand sample" -l dry-run -d 'Decide everything, refusals included, and write nothing: say what would be written'
complete -c evops -n "__fish_evops_using_subcommand sample" -s y -l yes -d 'Do not ask before writing more than 10,000 records from a terminal'
complete -c evops -n "__fish_evops_using_subcommand sample" -l allow-loop -d 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)'
complete -c evops -n "__fish_evops_using_subcommand sample" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand sample" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand sample" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand sample" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand sample" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand sample" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand replay" -l partitioning -d 'Where a copy goes: the source record\'s partition (keep), or its key hashed with --partitioner (hash). (-p/--partition picks source partitions.)' -r -f -a "keep\t'The record\'s own partition (the target needs at least as many partitions)'
hash\t'Hash the key with --partitioner (default: Java-compatible murmur2)'"
complete -c evops -n "__fish_evops_using_subcommand replay" -l to -d 'The topic to write to' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l timestamp -d 'Keep the source timestamps, or stamp copies with the time of the replay' -r -f -a "keep\t'The source record\'s timestamp'
now\t'The time of the replay'"
complete -c evops -n "__fish_evops_using_subcommand replay" -l rate -d 'At most this many records (500/s) or bytes (2MB/s, 512KiB/s) per second' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l checkpoint -d 'Keep progress in this file; running the same command again resumes exactly once. [default: $XDG_STATE_HOME/evops/replays/<replay id>.ckpt, or ~/.local/state/...]' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l dead-letter -d 'Where records that cannot be written go (capture format). [default: ./evops-replay-<id>.dead.ndjson]' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l replay-id -d 'Name the replay (default: a hash of sources, range, filter, target and placement)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s f -l format -d 'Output: pretty | json | capture | raw | a template such as \'{topic}/{partition}@{offset} {key} {value.data.type}\'. [default: pretty on a terminal, json otherwise]' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l key-format -d 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l schema -d 'With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand replay" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand replay" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand replay" -l no-provenance -d 'Do not add the evops-source and evops-replay-id headers (a replay without them cannot be resumed exactly once, nor guarded against loops)'
complete -c evops -n "__fish_evops_using_subcommand replay" -l no-checkpoint -d 'Keep no checkpoint: an interrupted replay then copies everything again when run again'
complete -c evops -n "__fish_evops_using_subcommand replay" -s y -l yes -d 'Do not ask before writing more than 10,000 records from a terminal'
complete -c evops -n "__fish_evops_using_subcommand replay" -l allow-loop -d 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)'
complete -c evops -n "__fish_evops_using_subcommand replay" -l dry-run -d 'Decide everything, refusals included, and write nothing: say what would be written'
complete -c evops -n "__fish_evops_using_subcommand replay" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand replay" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand replay" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand replay" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand replay" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l key -d 'The new key: a jq expression over the record, e.g. .value.data.attributes.email' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l key-template -d 'The new key from a template, e.g. \'{value.meta.tenant}:{key}\'' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l key-format -d 'How the new key is written: string | json | int32 | int64 (big-endian, as Java\'s serializers) | protobuf (Confluent-framed, the schema of --key-subject). Source keys are read as `auto`' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l key-subject -d 'With --key-format protobuf: the registry subject whose latest schema the new keys are written in (its first message type, or --key-proto-type). [default: <--to>-key]' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l partitioner -d 'The partitioner that places the new keys (`evops partition --list`)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l partitions -d 'With --create-topic: how many partitions' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l to -d 'The topic to write to' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l timestamp -d 'Keep the source timestamps, or stamp copies with the time of the replay' -r -f -a "keep\t'The source record\'s timestamp'
now\t'The time of the replay'"
complete -c evops -n "__fish_evops_using_subcommand rekey" -l rate -d 'At most this many records (500/s) or bytes (2MB/s, 512KiB/s) per second' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l checkpoint -d 'Keep progress in this file; running the same command again resumes exactly once. [default: $XDG_STATE_HOME/evops/replays/<replay id>.ckpt, or ~/.local/state/...]' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l dead-letter -d 'Where records that cannot be written go (capture format). [default: ./evops-replay-<id>.dead.ndjson]' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l replay-id -d 'Name the replay (default: a hash of sources, range, filter, target and placement)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s f -l format -d 'How a dry run shows its examples: pretty | json | capture | raw | a template' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l value-format -d 'How to read values: auto | string | json | int32 | int64 | hex | base64 | protobuf' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand rekey" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand rekey" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand rekey" -l create-topic -d 'Create the target topic when it does not exist (with --partitions)'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l no-provenance -d 'Do not add the evops-source and evops-replay-id headers (a replay without them cannot be resumed exactly once, nor guarded against loops)'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l no-checkpoint -d 'Keep no checkpoint: an interrupted replay then copies everything again when run again'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s y -l yes -d 'Do not ask before writing more than 10,000 records from a terminal'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l allow-loop -d 'Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written)'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l dry-run -d 'Decide everything, refusals included, and write nothing: say what would be written'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand rekey" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand rekey" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand demo" -l rate -d 'Live events per second after the seeded history (0 for none)' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -l duration -d 'Stop by itself after this long (exit 0), e.g. 30s or 10m' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand demo" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand demo" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand demo" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand demo" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand demo" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s p -l partitions -d 'The number of partitions' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l topic -d 'Take the partition count from this topic on the cluster' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l key-format -d 'How keys are typed: string | int32 | int64 (big-endian, as Java\'s serializers write them) | hex | base64' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l output -d 'Output: table (for people; printed in parts of 1,000 keys) or json (one object per key and line, written as each key is read; a stable contract)' -r -f -a "table\t''
json\t''"
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l compare-formats -d 'Show each key as a string and, when it is a number, as int32 and int64: the int-versus-string mismatch'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -l list -d 'List every partitioner evops knows, with the clients that use it'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -a "audit" -d 'Find keys that producers put on different partitions, and name the producers\' partitioners'
complete -c evops -n "__fish_evops_using_subcommand partition; and not __fish_seen_subcommand_from audit help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l expect -d 'Report records on another partition than this partitioner says (see `evops partition --list`)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l partitions -d 'The topic\'s partition count, for capture files (they do not say). (-p/--partition picks partitions to read, as everywhere.)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l max-keys -d 'Track at most this many distinct keys for splits (memory: roughly 65 bytes each)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l output -d 'Output: table or json (one object)' -r -f -a "table\t''
json\t''"
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l key-format -d 'How keys are shown (they are hashed as the bytes they are): auto | string | json | int32 | int64 | hex | base64 | avro | protobuf. [default: text, or {"base64": ...} when not UTF-8]' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from audit" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Find keys that producers put on different partitions, and name the producers\' partitioners'
complete -c evops -n "__fish_evops_using_subcommand partition; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s s -l schema -d 'A schema file, or a directory of .avsc and JSON Schema .json files (repeatable)' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l schema-for -d 'Which schema applies to an event' -r -f -a "auto\t'The registry id when framed, else the only schema, else by type, else by topic'
single\t'The one schema given, for every event'
type\t'The event type (data.type) names the schema file'
topic\t'The topic names the schema file (<topic> or <topic>-value)'
registry\t'The registry id in the Confluent framing'"
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l subject-strategy -d 'How unframed events name their registry subject: topic (<topic>-value), record (the event type as record name), topic-record (<topic>-<type>)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l value-format -d 'How to read values' -r -f -a "auto\t'Confluent-framed payloads by their registry id; JSON when the bytes look like JSON; else an Avro datum'
json\t''
avro\t''
protobuf\t'Confluent-framed by registry id, or bare messages of --proto-type'"
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l type-path -d 'Where the event type is, as a dot path (repeatable). [default: data.type; CloudEvents: type]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l require -d 'With --lint: a field every event must have, as a dot path (repeatable). [default: data.id, data.type, meta.created_at]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l id-field -d 'With --lint: what identifies an event, for duplicates: a dot path (repeatable; the values together). [default: data.type, data.id and meta.created_at: the same fact twice; give your envelope\'s event id if it has one]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l time-field -d 'With --lint: a time field to check, as a dot path (repeatable). [default: meta.created_at]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l max-bytes -d 'With --lint: events larger than this many bytes are fat (e.g. 16384, 64k, 1m)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l max-future -d 'With --lint: how far in the future a timestamp may be (clock skew)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l oldest -d 'With --lint: timestamps before this are impossibly old (an RFC 3339 time or a duration ago)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l show -d 'How many violations to show' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l format -l output -d 'What stdout shows' -r -f -a "table\t'A summary table and the first violations'
json\t'One JSON document: totals, per-schema counts, the first violations'"
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l junit -d 'Also write a JUnit XML report here (a test case per schema and per lint rule)' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l proto-file -d 'A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l proto-import-path -d 'Where the .proto files\' imports are found (repeatable; each file\'s own directory is searched too; the well-known google/protobuf/*.proto types are built in)' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l protoset -d 'A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l proto-type -l value-proto-type -d 'The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l key-proto-type -d 'The message type of bare Protobuf keys, when it is not --proto-type\'s' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l lint -d 'Also check the house rules: envelope fields present, "null"/"None"/"" strings, --max-bytes, timestamps from the future or impossibly old, duplicate ids, command-style type names (a warning)'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l allow-missing -d 'Events that no schema covers are counted but do not fail the run'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -l proto-field-names -d 'Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping\'s lowerCamelCase (paymentId)'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand schema-validate" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -f -a "compat" -d 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable; Protobuf as Confluent\'s registry judges it)'
complete -c evops -n "__fish_evops_using_subcommand schema; and not __fish_seen_subcommand_from compat help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l mode -d 'backward: NEW reads OLD\'s data; forward: OLD reads NEW\'s data; full: both. [default: backward; with --subject, the subject\'s compatibility level in the registry, transitive levels against every version]' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l subject -d 'Check against this registry subject\'s latest version' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l registry -d 'A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile\'s schema_registry]' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l registry-auth -d 'Basic auth for the registry, USER:PASSWORD' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l registry-ca -d 'Check an https:// registry\'s certificate against this CA (a PEM file) instead of the system\'s. [default: the profile\'s schema_registry_ca]' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from compat" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "compat" -d 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable; Protobuf as Confluent\'s registry judges it)'
complete -c evops -n "__fish_evops_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand stats" -l by -d 'What a group is: type (the envelope\'s event type, as --type reads it), header:NAME, key, partition, topic, or a jq expression. Repeat to combine. --by topic and/or --by partition alone, with no filter, count offsets at the bucket boundaries and read no record. [default: type]' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l every -d 'The bucket size (by record timestamp). [default: about 30 buckets over the range]' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l baseline -d 'What the newest buckets are compared with: FROM..TO (e.g. 26h..25h, or two times), or before:TIME (the range up to TIME, e.g. a deploy). A window ending in the future or starting before 1970 is refused. [default: the buckets before the compared ones]' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l last -d 'How many of the newest buckets are compared with the baseline (a group with none in them, where the baseline had some, is \'stopped\')' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l drop -d 'Flag \'dropped\' when the rate falls below this share of the baseline rate' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l spike -d 'Flag \'spiked\' when the rate rises above this share of the baseline rate' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l min-count -d 'Judge a group only when the baseline predicts at least N records in the compared buckets, or they hold at least N (rare types do not flap)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l max-groups -d 'Keep at most N groups apart; the records of any group past them are counted together as one group, (other), with a warning (every group keeps counters for every bucket)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l sample-rate -d 'Count a seeded sample of each record with this probability, scaled back (estimates, with a 95% error bound in JSON)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l seed -d 'The seed of --sample-rate' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s f -l format -d 'Output format. [default: table on a terminal, json otherwise]' -r -f -a "table\t'One row per group with a sparkline (the default on a terminal)'
json\t'One object per group (the default when piped; documented in the README)'
csv\t'One row per group, one column per bucket'
prometheus\t'Prometheus text exposition (node_exporter\'s textfile collector)'"
complete -c evops -n "__fish_evops_using_subcommand stats" -l key-format -d 'How to read keys (for --key and the jq view): auto | string | json | int32 | int64 | hex | base64' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l value-format -d 'How to read values (for the jq view): auto | string | json | int32 | int64 | hex | base64' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s o -l from -l since -d 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l until -d 'Where to stop (exclusive): the --from forms, plus now and end' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s p -l partition -d 'Only these partitions (repeatable or comma-separated)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l max -d 'Stop after writing this many records' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l group -d 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l key -d 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l partitioner -d 'The producers\' partitioner (`evops partition --list`): with --key, it says which partition to read (\'all\' reads every one; \'auto\' audits the topic\'s latest records and takes the partitioner they show); replay --partitioning hash places records with it' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s w -l where -d 'A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l header -d 'Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l grep -d 'Only records whose raw value matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l grep-key -d 'Only records whose raw key matches this regex' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l type -d 'Only events of this type (data.type; CloudEvents: type). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l id -d 'Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l type-path -d 'Where the event type is, as a dot path (repeatable), instead of the envelope\'s' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l id-path -d 'Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand stats" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand stats" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand stats" -l watch -d 'Keep going: every --every, read the bucket that just ended and show it (the table redrawn on a terminal, else one JSON line per bucket) until Ctrl-C'
complete -c evops -n "__fish_evops_using_subcommand stats" -s e -l exit -d 'Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F'
complete -c evops -n "__fish_evops_using_subcommand stats" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand stats" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand stats" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand generate" -l out-dir -d 'The folder that receives man/ and completions/' -r -F
complete -c evops -n "__fish_evops_using_subcommand generate" -s b -l brokers -d 'Kafka bootstrap servers (host:port,...), or \'embedded\' for the built-in demo cluster' -r
complete -c evops -n "__fish_evops_using_subcommand generate" -s X -d 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)' -r
complete -c evops -n "__fish_evops_using_subcommand generate" -l profile -d 'A profile from the config file (brokers, librdkafka properties, schema registry)' -r
complete -c evops -n "__fish_evops_using_subcommand generate" -l config -d 'The config file [default: ~/.config/evops/config.toml]' -r -F
complete -c evops -n "__fish_evops_using_subcommand generate" -l timeout -d 'How long to wait for the cluster before giving up' -r
complete -c evops -n "__fish_evops_using_subcommand generate" -l color -d 'When to colour output' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t''
never\t''"
complete -c evops -n "__fish_evops_using_subcommand generate" -s v -l verbose -d 'Show librdkafka\'s logs and other details on stderr (secrets are never shown)'
complete -c evops -n "__fish_evops_using_subcommand generate" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c evops -n "__fish_evops_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evops -n "__fish_evops_using_subcommand generate" -s V -l version -d 'Print version'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "tail" -d 'Read records from topics, capture files or stdin, and print them (live: from the end, following)'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "filter" -d 'Keep the records that match a jq expression and/or shortcuts; print them or write them to a capture file or a topic'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "trace" -d 'Everything that happened to an entity, across topics, in time order: records keyed by the id or whose event mentions it'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "sample" -d 'A fair sample of the records a filter keeps: by rate, by key, a reservoir, per stratum or per time window'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "replay" -d 'Copy records into a topic: faithful (key, value, headers, timestamp), resumable exactly once with --checkpoint or --group, rate-limited, with a dry run'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "rekey" -d 'Copy records into a topic under new keys (a jq expression or a template), placed by a partitioner, and check where every key landed'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "demo" -d 'Run the embedded demo cluster in the foreground and keep producing a trickle of events'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "partition" -d 'Where would each Kafka client put these keys? One row per distinct answer'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "schema-validate" -d 'Check events against their schemas (Avro, JSON Schema, a schema registry) and the house lint rules; a summary table, the first violations, JUnit for CI'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "schema" -d 'Schema tools'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "stats" -d 'Event rates over time per event type, header, key, partition, topic or jq expression; flags the groups whose latest rate dropped, spiked, stopped or is new'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "generate" -d 'Write man pages and shell completions (for packagers and the repo)'
complete -c evops -n "__fish_evops_using_subcommand help; and not __fish_seen_subcommand_from tail filter trace sample replay rekey demo partition schema-validate schema stats generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evops -n "__fish_evops_using_subcommand help; and __fish_seen_subcommand_from partition" -f -a "audit" -d 'Find keys that producers put on different partitions, and name the producers\' partitioners'
complete -c evops -n "__fish_evops_using_subcommand help; and __fish_seen_subcommand_from schema" -f -a "compat" -d 'Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable; Protobuf as Confluent\'s registry judges it)'
