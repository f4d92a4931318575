//! Elastic tabstops as Go's `text/tabwriter` computes them, with kubectl's settings (minimum
//! width 6, padding 3, spaces): `kubectl ws tree --wide` aligns its `name<TAB>ws=…<TAB>lc=…`
//! labels this way, so our output lines up exactly like kubectl's tables do.
//!
//! A cell is text terminated by a tab; the text after a line's last tab is not a cell and is not
//! aligned. A column is a block of consecutive lines that have a cell at that index; its width is
//! the widest cell plus padding, at least the minimum width.

/// kubectl's `GetNewTabWriter` minimum cell width.
pub const MIN_WIDTH: usize = 6;
/// kubectl's `GetNewTabWriter` padding.
pub const PADDING: usize = 3;

/// Aligns the tab-separated cells of `text` with kubectl's settings.
pub fn align(text: &str) -> String {
    align_with(text, MIN_WIDTH, PADDING)
}

/// Aligns the tab-separated cells of `text`.
pub fn align_with(text: &str, min_width: usize, padding: usize) -> String {
    let trailing_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<Vec<&str>> = body.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::new();
    let mut widths = Vec::new();
    format(
        &lines,
        0,
        lines.len(),
        &mut widths,
        min_width,
        padding,
        &mut out,
    );
    if !trailing_newline {
        out.pop();
    }
    out
}

fn cell_width(s: &str) -> usize {
    s.chars().count()
}

/// Go's `Writer.format`: finds the column blocks of column `widths.len()` in `lines[from..to]`.
fn format(
    lines: &[Vec<&str>],
    mut from: usize,
    to: usize,
    widths: &mut Vec<usize>,
    min_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = from;
    while this < to {
        // Lines whose last (unterminated) text is at or before this column are not in a block.
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, from, this, widths, out);
        from = this;
        let mut width = min_width;
        while this < to && column + 1 < lines[this].len() {
            width = width.max(cell_width(lines[this][column]) + padding);
            this += 1;
        }
        widths.push(width);
        format(lines, from, this, widths, min_width, padding, out);
        widths.pop();
        from = this;
    }
    write_lines(lines, from, to, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() {
                // A terminated cell: padded to its column's width when the column is aligned.
                let width = widths.get(j).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        assert_eq!(
            align("a\tbb\tc\nlonger-name\tx\ty\n"),
            "a             bb    c\nlonger-name   x     y\n"
        );
    }

    #[test]
    fn a_line_without_cells_breaks_the_block() {
        assert_eq!(
            align(".\na\tb\nccccccc\td\n\n"),
            ".\na         b\nccccccc   d\n\n"
        );
        assert_eq!(
            align("x\ty\nshort\nlong-cell\tz\n"),
            "x     y\nshort\nlong-cell   z\n"
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(
            align("├── a\tws=Ready\tlc=Ready\n└── bb\tws=-\tlc=Unknown\n"),
            "├── a    ws=Ready   lc=Ready\n└── bb   ws=-       lc=Unknown\n"
        );
    }

    #[test]
    fn text_without_tabs_is_unchanged() {
        assert_eq!(align(".\n└── root\n\n"), ".\n└── root\n\n");
        assert_eq!(align("no newline"), "no newline");
    }
}
