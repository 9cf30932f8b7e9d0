//! Text cut on character boundaries: what a warning, a violation, a group or a caret shows of a
//! text that may be megabytes long, without splitting a character. Pure.

/// The last character boundary of `s` at or before byte `i` (its length, past the end).
pub fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The longest start of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix(s: &str, max: usize) -> &str {
    &s[..floor_boundary(s, max)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_before_the_character_they_would_split() {
        let s = "aé€";
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6, 9].map(|i| floor_boundary(s, i)),
            [0, 1, 1, 3, 3, 3, 6, 6]
        );
        assert_eq!(prefix(s, 2), "a");
        assert_eq!(prefix(s, 6), "aé€");
        assert_eq!(prefix("", 3), "");
    }
}
