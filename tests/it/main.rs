//! The integration suite: one binary, one file per subcommand, against the real `evops` binary,
//! the real broker started by `tests/run.sh`, and librdkafka's mock cluster (`-b embedded`).

mod demo;
mod filter;
mod generate;
mod harness;
mod partition;
mod registry;
mod rekey;
mod replay;
mod sample;
mod schema_compat;
mod schema_validate;
mod sink;
mod stats;
mod tail;
mod trace;
