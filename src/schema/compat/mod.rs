//! Schema compatibility, pure: whether data written with one schema stays readable under
//! another, in Confluent's modes (backward: the new schema reads data written with the old;
//! forward: the old schema reads data written with the new; full: both). Avro follows the
//! specification's schema resolution rules (a reader against a writer), over the same
//! compiled trees the decoder uses, so `compat` and `decode_as` agree on what is readable.
//! JSON Schema is compared where that is decidable: "every instance the old schema accepts,
//! the new one accepts" (backward) and the reverse (forward); constructs whose comparison is
//! not decidable by this simple structural reading (`oneOf`, `patternProperties`, remote
//! `$ref`s...) make it say so instead of guessing.
//!
//! Every reason names the place in the schema, as a JSON-pointer-like path
//! (`/fields/email`, `/properties/address/properties/zip`, `/` for the whole schema), and says
//! who cannot read what. The Avro rules are in `avro`, the JSON Schema comparison in
//! `json_schema`.

use std::collections::HashSet;

mod avro;
mod json_schema;

pub use avro::avro;
pub use json_schema::json_schema;

/// Confluent's compatibility modes (the transitive variants are these, checked against every
/// earlier version, which is the caller's loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The new schema reads data written with the old.
    Backward,
    /// The old schema reads data written with the new.
    Forward,
    /// Both.
    Full,
}

impl Mode {
    /// `backward`, `forward` or `full`, in any case.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.to_ascii_lowercase().as_str() {
            "backward" => Some(Mode::Backward),
            "forward" => Some(Mode::Forward),
            "full" => Some(Mode::Full),
            _ => None,
        }
    }

    fn backward(self) -> bool {
        self != Mode::Forward
    }

    fn forward(self) -> bool {
        self != Mode::Backward
    }
}

fn path_or_root(p: &str) -> &str {
    if p.is_empty() {
        "/"
    } else {
        p
    }
}

fn dedup(reasons: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    reasons
        .into_iter()
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse() {
        assert_eq!(Mode::parse("backward"), Some(Mode::Backward));
        assert_eq!(Mode::parse("FORWARD"), Some(Mode::Forward));
        assert_eq!(Mode::parse("Full"), Some(Mode::Full));
        assert_eq!(Mode::parse("none"), None);
        assert_eq!(Mode::parse("backward_transitive"), None);
    }
}
