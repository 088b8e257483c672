//! The CSV tables the figures write.

use std::path::Path;

use experiments::storage::{Storage, replace};

use super::error::Error;

/// Write a whole text file through `storage`, replacing it by a rename
/// (a run stopped at any moment leaves the old file or the new one).
///
/// # Errors
/// [`Error::Experiment`] naming the file that cannot be written.
pub fn write_text(storage: &dyn Storage, path: &Path, text: &str) -> Result<(), Error> {
    Ok(replace(storage, path, text.as_bytes())?)
}

/// A tidy CSV table: a header row, then one row per observation.
#[derive(Debug)]
pub struct Table {
    header: Vec<&'static str>,
    text: String,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&'static str]) -> Self {
        let mut text = header.join(",");
        text.push('\n');
        Table {
            header: header.to_vec(),
            text,
        }
    }

    /// Append a row; floats use Rust's shortest round-trip formatting.
    ///
    /// # Panics
    /// If the row length differs from the header's (a programming error in a runner).
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        assert_eq!(
            cells.len(),
            self.header.len(),
            "row length differs from header"
        );
        let line: Vec<String> = cells.iter().map(Cell::render).collect();
        self.text.push_str(&line.join(","));
        self.text.push('\n');
    }

    /// Write the table through `storage` ([`write_text`]).
    ///
    /// # Errors
    /// As [`write_text`].
    pub fn write(&self, storage: &dyn Storage, path: &Path) -> Result<(), Error> {
        write_text(storage, path, &self.text)
    }
}

/// One CSV cell.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// A number.
    Num(f64),
    /// A label; must not contain commas or quotes.
    Text(&'a str),
}

impl Cell<'_> {
    fn render(&self) -> String {
        match self {
            Cell::Num(v) => format!("{v}"),
            Cell::Text(s) => {
                debug_assert!(!s.contains([',', '"', '\n']), "csv label needs no quoting");
                (*s).to_string()
            }
        }
    }
}
