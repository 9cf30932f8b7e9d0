//! The integration suite: one binary, one file per subcommand, against the real `evops` binary,
//! the real broker started by `tests/run.sh`, and librdkafka's mock cluster (`-b embedded`).

// All of this crate is test code, helpers included: a panic is how a test reports, and what a
// test prints is for the one reading its failure.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
// The size limit is for the code under test; a spec-like test of many cases may run longer.
#![allow(clippy::too_many_lines, clippy::format_collect)]

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
