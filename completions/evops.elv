
use builtin;
use str;

set edit:completion:arg-completer[evops] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'evops'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'evops'= {
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand tail 'Read records from topics, capture files or stdin, and print them'
            cand demo 'Run the embedded demo cluster in the foreground and keep producing a trickle of events'
            cand partition 'Where would each Kafka client put these keys? One row per distinct answer'
            cand generate 'Write man pages and shell completions (for packagers and the repo)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evops;tail'= {
            cand -o 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). [default: end; files: first line]'
            cand --from 'Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). [default: end; files: first line]'
            cand --until 'Where to stop (exclusive): the --from forms, plus now and end'
            cand -p 'Only these partitions (repeatable or comma-separated)'
            cand --partition 'Only these partitions (repeatable or comma-separated)'
            cand --max 'Stop after printing this many records'
            cand --group 'Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was printed. Without it, evops never joins or commits to a group'
            cand --key 'Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner)'
            cand --partitioner 'With --key: the producers'' partitioner, which says where the key lives (`evops partition --list`), or ''all'' to read every partition'
            cand -f 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]'
            cand --format 'Output: pretty | json | capture | raw | a template such as ''{topic}/{partition}@{offset} {key} {value.data.type}''. [default: pretty on a terminal, json otherwise]'
            cand --key-format 'How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro'
            cand --value-format 'How to read values: auto | string | json | int32 | int64 | hex | base64 | avro'
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand -e 'Stop at the end offsets taken when the read started (like kcat -e)'
            cand --exit 'Stop at the end offsets taken when the read started (like kcat -e)'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'evops;demo'= {
            cand --rate 'Live events per second after the seeded history (0 for none)'
            cand --duration 'Stop by itself after this long (exit 0), e.g. 30s or 10m'
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'evops;partition'= {
            cand -p 'The number of partitions'
            cand --partitions 'The number of partitions'
            cand --topic 'Take the partition count from this topic on the cluster'
            cand --key-format 'How keys are typed: string | int32 | int64 (big-endian, as Java''s serializers write them) | hex | base64'
            cand --output 'Output: table (for people) or json (one object per key and line; a stable contract)'
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand --compare-formats 'Show each key as a string and, when it is a number, as int32 and int64: the int-versus-string mismatch'
            cand --list 'List every partitioner evops knows, with the clients that use it'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand audit 'Find keys that producers put on different partitions, and name the producers'' partitioners'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evops;partition;audit'= {
            cand --expect 'Report records on another partition than this partitioner says (see `evops partition --list`)'
            cand -o 'Where to start (the tail forms) [default: beginning]'
            cand --from 'Where to start (the tail forms) [default: beginning]'
            cand --until 'Where to stop (the tail forms) [default: the end offsets when the audit starts]'
            cand --partitions 'The topic''s partition count, for capture files (they do not say)'
            cand --max-keys 'Track at most this many distinct keys for splits (memory: roughly 65 bytes each)'
            cand --output 'Output: table or json (one object)'
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'evops;partition;help'= {
            cand audit 'Find keys that producers put on different partitions, and name the producers'' partitioners'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evops;partition;help;audit'= {
        }
        &'evops;partition;help;help'= {
        }
        &'evops;generate'= {
            cand --out-dir 'The folder that receives man/ and completions/'
            cand -b 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand --brokers 'Kafka bootstrap servers (host:port,...), or ''embedded'' for the built-in demo cluster'
            cand -X 'A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile)'
            cand --profile 'A profile from the config file (brokers, librdkafka properties, schema registry)'
            cand --config 'The config file [default: ~/.config/evops/config.toml]'
            cand --timeout 'How long to wait for the cluster before giving up'
            cand --color 'When to colour output'
            cand -v 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand --verbose 'Show librdkafka''s logs and other details on stderr (secrets are never shown)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'evops;help'= {
            cand tail 'Read records from topics, capture files or stdin, and print them'
            cand demo 'Run the embedded demo cluster in the foreground and keep producing a trickle of events'
            cand partition 'Where would each Kafka client put these keys? One row per distinct answer'
            cand generate 'Write man pages and shell completions (for packagers and the repo)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evops;help;tail'= {
        }
        &'evops;help;demo'= {
        }
        &'evops;help;partition'= {
            cand audit 'Find keys that producers put on different partitions, and name the producers'' partitioners'
        }
        &'evops;help;partition;audit'= {
        }
        &'evops;help;generate'= {
        }
        &'evops;help;help'= {
        }
    ]
    $completions[$command]
}
