//! `evops demo` arguments.

use std::time::Duration;

use clap::Args;

use super::values;

pub const EXAMPLES: &str = "\
Examples:
  evops demo                      # prints 127.0.0.1:PORT, then keeps producing
  evops demo --rate 20 --duration 5m
  kcat -b 127.0.0.1:PORT -C -t views -o end     # in another terminal";

/// Run the embedded demo cluster in the foreground and keep producing a trickle of events.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct DemoArgs {
    /// Live events per second after the seeded history (0 for none).
    #[arg(long, default_value = "2", value_parser = values::rate, value_name = "N")]
    pub rate: f64,

    /// Stop by itself after this long (exit 0), e.g. 30s or 10m.
    #[arg(long, value_parser = values::duration, value_name = "DURATION")]
    pub duration: Option<Duration>,
}
