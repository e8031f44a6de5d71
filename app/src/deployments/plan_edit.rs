//! The plan editor's edits of a ring's targets, pure. A ring's targets travel
//! as the text the form sends (`1:400 2:400` for a buildout, cluster ids
//! otherwise); hydrated, the editor shows them as items one can add, move
//! within the ring or to the ring before or after, and remove.

/// The targets in a ring's text, in order (split on spaces and commas).
pub fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect()
}

/// One edit of one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetEdit {
    /// One place earlier in its ring.
    Earlier,
    /// One place later in its ring.
    Later,
    /// To the end of the ring before.
    PreviousRing,
    /// To the start of the ring after.
    NextRing,
    Remove,
}

/// Applies `edit` to target `index` of ring `ring` (the rings' target texts,
/// in order); an edit with nowhere to go changes nothing.
pub fn edit_target(rings: &mut [String], ring: usize, index: usize, edit: TargetEdit) {
    let Some(text) = rings.get(ring) else { return };
    let mut own: Vec<String> = tokens(text).into_iter().map(str::to_owned).collect();
    if index >= own.len() {
        return;
    }
    let other = match edit {
        TargetEdit::PreviousRing => ring.checked_sub(1),
        TargetEdit::NextRing => Some(ring + 1).filter(|&r| r < rings.len()),
        _ => None,
    };
    match edit {
        TargetEdit::Earlier if index > 0 => own.swap(index, index - 1),
        TargetEdit::Later if index + 1 < own.len() => own.swap(index, index + 1),
        TargetEdit::Remove => {
            own.remove(index);
        }
        TargetEdit::PreviousRing | TargetEdit::NextRing => {
            let Some(other) = other else { return };
            let moved = own.remove(index);
            let mut theirs: Vec<&str> = tokens(&rings[other]);
            match edit {
                TargetEdit::PreviousRing => theirs.push(&moved),
                _ => theirs.insert(0, &moved),
            }
            rings[other] = theirs.join(" ");
        }
        _ => return,
    }
    rings[ring] = own.join(" ");
}

/// The ring's text with the targets of `added` after its own.
pub fn add_targets(text: &str, added: &str) -> String {
    let mut all = tokens(text);
    all.extend(tokens(added));
    all.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rings(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn targets_are_split_on_spaces_and_commas() {
        assert_eq!(
            tokens(" 1:400, 2:400  3:10 "),
            vec!["1:400", "2:400", "3:10"]
        );
        assert!(tokens(" , ").is_empty());
    }

    #[test]
    fn a_target_moves_within_its_ring() {
        let mut r = rings(&["1:1 2:2 3:3"]);
        edit_target(&mut r, 0, 2, TargetEdit::Earlier);
        assert_eq!(r, rings(&["1:1 3:3 2:2"]));
        edit_target(&mut r, 0, 0, TargetEdit::Later);
        assert_eq!(r, rings(&["3:3 1:1 2:2"]));
        // At either end there is nowhere to go.
        edit_target(&mut r, 0, 0, TargetEdit::Earlier);
        edit_target(&mut r, 0, 2, TargetEdit::Later);
        assert_eq!(r, rings(&["3:3 1:1 2:2"]));
    }

    #[test]
    fn a_target_moves_to_the_ring_before_or_after() {
        let mut r = rings(&["11", "12 13", "14"]);
        edit_target(&mut r, 1, 1, TargetEdit::PreviousRing);
        assert_eq!(
            r,
            rings(&["11 13", "12", "14"]),
            "to the end of the ring before"
        );
        edit_target(&mut r, 1, 0, TargetEdit::NextRing);
        assert_eq!(
            r,
            rings(&["11 13", "", "12 14"]),
            "to the start of the ring after"
        );
        edit_target(&mut r, 0, 0, TargetEdit::PreviousRing);
        edit_target(&mut r, 2, 1, TargetEdit::NextRing);
        assert_eq!(
            r,
            rings(&["11 13", "", "12 14"]),
            "no ring there: unchanged"
        );
    }

    #[test]
    fn targets_are_removed_and_added() {
        let mut r = rings(&["1:1 2:2"]);
        edit_target(&mut r, 0, 0, TargetEdit::Remove);
        assert_eq!(r, rings(&["2:2"]));
        edit_target(&mut r, 0, 5, TargetEdit::Remove);
        edit_target(&mut r, 3, 0, TargetEdit::Remove);
        assert_eq!(r, rings(&["2:2"]), "no such target or ring: unchanged");
        assert_eq!(add_targets(&r[0], " 3:3, 1:9 "), "2:2 3:3 1:9");
        assert_eq!(add_targets("", "4411"), "4411");
    }
}
