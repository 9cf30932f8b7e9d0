//! `evops demo` arguments, and their conversion into [`cmd::demo::Config`].

use std::time::Duration;

use clap::Args;

use super::context::Context;
use super::values;
use crate::cmd;
use crate::endpoint::kafka::Settings;

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

impl DemoArgs {
    /// The demo serves its own cluster: brokers from the flags or profile are taken only to
    /// say where (`embedded` when none), never their properties.
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::demo::Config> {
        let mut kafka = ctx.kafka()?.unwrap_or(Settings {
            brokers: "embedded".into(),
            properties: vec![],
            timeout: ctx.global.timeout,
            verbose: ctx.global.verbose,
            notify: ctx.voice(),
        });
        kafka.properties.clear();
        Ok(cmd::demo::Config {
            kafka,
            rate: self.rate,
            duration: self.duration,
            quiet: ctx.quiet(),
        })
    }
}
