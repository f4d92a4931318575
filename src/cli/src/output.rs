//! Where a command writes: stdout for results, stderr for notes and warnings. Commands take an
//! [`Output`] instead of printing, so tests can read what they wrote.

use std::io::Write;

/// A command's stdout and stderr.
pub struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl<'a> Output<'a> {
    /// Writes to `out` and `err`.
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Output { out, err }
    }
}

/// Captured output, for tests.
#[cfg(test)]
#[derive(Default)]
pub struct Captured {
    pub out: Vec<u8>,
    pub err: Vec<u8>,
}

#[cfg(test)]
impl Captured {
    pub fn output(&mut self) -> Output<'_> {
        Output::new(&mut self.out, &mut self.err)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err).into_owned()
    }
}
