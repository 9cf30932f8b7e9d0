//! Questions to the person at the terminal ("write 40,000 records to orders? [y/N]"). The
//! question goes to stderr and the answer comes from the terminal itself (`/dev/tty`), never
//! from stdin, which may be carrying the records.

use std::io::{BufRead, Write};

use crate::error::Error;

/// Ask a yes/no question; anything but y/yes is no. Without a terminal to read the answer
/// from, the error says to pass `-y`.
pub fn yes_no(question: &str) -> anyhow::Result<bool> {
    let tty = std::fs::File::open("/dev/tty").map_err(|e| {
        Error::Usage(format!(
            "{question}: there is no terminal to answer on ({e}); pass -y to write without asking"
        ))
    })?;
    let mut err = std::io::stderr().lock();
    // The question cannot be shown: treat as no answer, which is no.
    if write!(err, "{question} [y/N] ")
        .and_then(|()| err.flush())
        .is_err()
    {
        return Ok(false);
    }
    drop(err);
    let mut answer = String::new();
    std::io::BufReader::new(tty).read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}
