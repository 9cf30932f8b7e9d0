//! evops: operate Kafka event streams from a terminal or a CI job.
//!
//! The architecture in a paragraph: an **endpoint** (a Kafka topic, a capture file, stdin or
//! stdout) opens as a [`endpoint::Source`] or a [`endpoint::Sink`] of [`record::Record`]s, which
//! are bytes exactly as the broker keeps them. **Codecs** ([`codec`]) turn bytes into values,
//! purely, with the run's schemas in one [`codec::Codecs`] value; **partitioners**
//! ([`partition`]) say where a key goes, purely; **stages** (filter, merge, sample, replay
//! guard, rekey, audit, validate) look at or change records; **printers** ([`mod@print`])
//! decide what people and programs see. The [`pipeline`] loop runs a source through stages into
//! a sink and counts everything in a [`print::report::Report`]. Each subcommand in [`cmd`] is a
//! short function over plain config values, which [`cli`] (the only clap user) builds. Only
//! [`endpoint::kafka`] imports rdkafka. Errors are reported once, here, and exit codes are API
//! ([`exit::Exit`]).

pub mod cli;
pub mod cmd;
pub mod codec;
pub mod config;
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod exit;
pub mod expr;
pub mod filter;
pub mod fingerprint;
pub mod interrupt;
pub mod partition;
pub mod pipeline;
pub mod position;
pub mod print;
pub mod record;
pub mod replay;
pub mod stage;

/// The time-ordered merge, now with the other stages.
pub use stage::merge;
pub mod sample;
pub mod schema;
pub mod stats;
pub mod text;

use std::ffi::OsString;

use clap::Parser;

use exit::Exit;

/// Run evops with these arguments (the first is the program name) and return the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(advice) = cli::kcat::habit(&args) {
        say!("evops: {advice}");
        return Exit::Error.code();
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap: 0 for --help/--version, 2 for usage errors; help that cannot be written
            // (a full disk) is an error too, and a closed pipe is not.
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    say!("evops: writing help: {io}");
                    Exit::Error.code()
                }
                _ => e.exit_code(),
            };
        }
    };
    interrupt::install();
    match on_a_deep_stack(move || cli::dispatch(cli)) {
        Ok(exit) => exit.code(),
        Err(e) => report(&e).code(),
    }
}

/// The stack a command runs on. jq's parser, compiler and evaluator recurse once per level of
/// an expression: a long `1+1+...+1` or deeply parenthesised expression is as deep as it is
/// long, and the main thread's 8 MB overflow at about a thousand levels in a debug build
/// (the longest expression allowed takes about 100 MB there, far less in a release build).
/// Reserved, not used: pages are touched only as deep as a command really goes. With
/// [`expr::MAX_LEN`], no expression reaches the bottom.
const STACK: usize = 256 << 20;

/// Run `f` on a thread with a [`STACK`]-sized stack and wait for it.
fn on_a_deep_stack(
    f: impl FnOnce() -> anyhow::Result<Exit> + Send + 'static,
) -> anyhow::Result<Exit> {
    let worker = std::thread::Builder::new()
        .name("evops".into())
        .stack_size(STACK)
        .spawn(f)
        .map_err(|e| anyhow::anyhow!("cannot start the command's thread: {e}"))?;
    // A panic was already printed by the panic hook; it is an error, not a crash of the
    // process without a status.
    worker
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error (see the message above)")))
}

/// Report an error once, at the edge, and choose the exit code.
// The edge: the one place besides print/ that writes to stderr.
#[allow(clippy::print_stderr)]
fn report(e: &anyhow::Error) -> Exit {
    if pipeline::is_broken_pipe(e) {
        return Exit::Ok;
    }
    match e.downcast_ref::<error::Error>() {
        Some(error::Error::Interrupted) => return Exit::Interrupted,
        Some(error::Error::Declined) => {
            eprintln!("evops: {e:#}");
            return Exit::Findings;
        }
        _ => {}
    }
    // A full disk met where a command writes its own output names no more than the errno;
    // only writes fill a disk, and every file evops writes besides stdout says its name.
    let full = e.chain().count() == 1
        && e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull);
    let writing = if full { "writing to stdout: " } else { "" };
    crate::say!("evops: {writing}{e:#}");
    Exit::Error
}
