//! The integration suite: one binary, one file per subcommand, against the real `evops` binary,
//! the real broker started by `tests/run.sh`, and librdkafka's mock cluster (`-b embedded`).

mod demo;
mod docs;
mod filter;
mod generate;
mod grammar;
mod harness;
mod partition;
mod protobuf;
mod registry;
mod rekey;
mod replay;
mod sample;
mod schema_compat;
mod schema_validate;
mod secure;
mod sink;
mod stats;
mod tail;
mod trace;
