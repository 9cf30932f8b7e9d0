//! The `evops` binary: parse, run, exit with the code. Everything else is in the library.

fn main() {
    std::process::exit(evops::run(std::env::args_os()));
}
