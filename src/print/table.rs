//! Tables for people (tabled): rows of strings in, a rounded table out. Kept here so that
//! subcommands produce rows and never style them.

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

/// Render a header and rows as a table; the last column's cells wrap at `wrap` characters.
/// Rows given by value are moved into the table, not copied.
pub fn render<R, C>(header: &[&str], rows: R, wrap: Option<usize>) -> String
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: Into<String>,
{
    let mut b = Builder::default();
    b.push_record(header.iter().map(std::string::ToString::to_string));
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::rounded());
    if let Some(w) = wrap {
        t.modify(Columns::last(), Width::wrap(w).keep_words(true));
    }
    t.to_string()
}
