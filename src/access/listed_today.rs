//! Who has already appeared in a list today, per viewer, as far as this server knows: spares
//! the read of `audit_list_subject` before each list's audit row once a viewer's people are
//! all recorded. Only what the data file holds goes in: ids found there, or whose entries were
//! committed. It starts empty each day and at each start, and forgets everything past
//! [`MAX_IDS`] (the data file is then asked again); today's entries are never pruned
//! (`service::audit_prune` keeps at least the current day), so what it knows stays true.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::domain::ids::OperatorId;

/// Ids remembered at most, over all viewers: a few MB.
const MAX_IDS: usize = 200_000;

#[derive(Default)]
pub struct ListedToday(Mutex<Day>);

#[derive(Default)]
struct Day {
    day: i64,
    seen: HashMap<OperatorId, HashSet<i64>>,
    size: usize,
}

impl ListedToday {
    /// The ids of `shown` not known to be recorded for this viewer and day.
    pub fn unknown(&self, viewer: OperatorId, day: i64, shown: &[i64]) -> Vec<i64> {
        let Ok(state) = self.0.lock() else { return shown.to_vec() };
        match state.seen.get(&viewer) {
            Some(seen) if state.day == day => shown.iter().copied().filter(|id| !seen.contains(id)).collect(),
            _ => shown.to_vec(),
        }
    }

    /// Remembers ids now recorded in the data file for this viewer and day.
    pub fn remember(&self, viewer: OperatorId, day: i64, ids: impl IntoIterator<Item = i64>) {
        let Ok(mut state) = self.0.lock() else { return };
        if state.day != day || state.size >= MAX_IDS {
            *state = Day { day, ..Day::default() };
        }
        let seen = state.seen.entry(viewer).or_default();
        let before = seen.len();
        seen.extend(ids);
        let added = seen.len().saturating_sub(before);
        state.size = state.size.saturating_add(added);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_remembered_is_per_viewer_and_per_day() {
        let listed = ListedToday::default();
        let (a, b) = (OperatorId::try_from(1).unwrap(), OperatorId::try_from(2).unwrap());
        assert_eq!(listed.unknown(a, 10, &[1, 2, 3]), vec![1, 2, 3]);
        listed.remember(a, 10, [1, 3]);
        assert_eq!(listed.unknown(a, 10, &[1, 2, 3]), vec![2]);
        assert_eq!(listed.unknown(b, 10, &[1, 2, 3]), vec![1, 2, 3], "another viewer");
        assert_eq!(listed.unknown(a, 11, &[1, 2, 3]), vec![1, 2, 3], "another day");
        listed.remember(b, 11, [2]);
        assert_eq!(listed.unknown(a, 10, &[1]), vec![1], "a new day forgets the old one");
    }
}
