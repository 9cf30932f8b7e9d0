//! The `evops` binary: parse, run, exit with the code. Everything else is in the library.

/// mimalloc for every allocation of the process, librdkafka's included (see Cargo.toml).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(evops::run(std::env::args_os()));
}
