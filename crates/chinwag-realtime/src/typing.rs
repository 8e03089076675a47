//! Who is typing where. A typer stays for [`TYPING_MS`] after their last
//! keystroke signal; the value shown is when they *started*, kept stable
//! while they keep typing.

use std::collections::HashMap;

use chinwag_core::realtime::TypingView;

pub(crate) const TYPING_MS: i64 = 10_000;
/// Above this many typers (from a viewer's point of view) only "many" shows.
pub(crate) const FEW: usize = 5;

struct Typer {
    started_at: i64,
    deadline: i64,
}

#[derive(Default)]
struct ConversationTyping {
    /// In the order they started.
    typers: Vec<(String, Typer)>,
    participant_ids: Vec<String>,
}

impl ConversationTyping {
    fn snapshot(&self) -> Vec<(String, i64)> {
        self.typers.iter().map(|(u, t)| (u.clone(), t.started_at)).collect()
    }
}

/// A change: (participant_ids, typers before, typers after).
pub(crate) type Change = (Vec<String>, Vec<(String, i64)>, Vec<(String, i64)>);

#[derive(Default)]
pub(crate) struct TypingTable {
    conversations: HashMap<(String, String), ConversationTyping>,
}

impl TypingTable {
    /// Marks `user` typing until `now + TYPING_MS`. Answers a change only
    /// when they were not typing already (renewals are silent).
    pub(crate) fn start(
        &mut self,
        app: &str,
        cid: &str,
        user: &str,
        participant_ids: Vec<String>,
        now: i64,
    ) -> Option<Change> {
        let c = self.conversations.entry((app.to_owned(), cid.to_owned())).or_default();
        c.participant_ids = participant_ids;
        if let Some((_, t)) = c.typers.iter_mut().find(|(u, _)| u == user) {
            t.deadline = now + TYPING_MS;
            return None;
        }
        let before = c.snapshot();
        c.typers.push((user.to_owned(), Typer { started_at: now, deadline: now + TYPING_MS }));
        Some((c.participant_ids.clone(), before, c.snapshot()))
    }

    pub(crate) fn stop(&mut self, app: &str, cid: &str, user: &str) -> Option<Change> {
        let k = (app.to_owned(), cid.to_owned());
        let c = self.conversations.get_mut(&k)?;
        let before = c.snapshot();
        let len = c.typers.len();
        c.typers.retain(|(u, _)| u != user);
        if c.typers.len() == len {
            return None;
        }
        let change = (c.participant_ids.clone(), before, c.snapshot());
        if c.typers.is_empty() {
            self.conversations.remove(&k);
        }
        Some(change)
    }

    pub(crate) fn deadline(&self, app: &str, cid: &str, user: &str) -> Option<i64> {
        let c = self.conversations.get(&(app.to_owned(), cid.to_owned()))?;
        c.typers.iter().find(|(u, _)| u == user).map(|(_, t)| t.deadline)
    }

    pub(crate) fn view(&self, app: &str, cid: &str, viewer: &str) -> TypingView {
        let Some(c) = self.conversations.get(&(app.to_owned(), cid.to_owned())) else {
            return TypingView::Few(Vec::new());
        };
        let others: Vec<(String, i64)> =
            c.typers.iter().filter(|(u, _)| u != viewer).map(|(u, t)| (u.clone(), t.started_at)).collect();
        if others.len() > FEW { TypingView::Many } else { TypingView::Few(others) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewals_are_silent_and_views_exclude_the_viewer() {
        let mut t = TypingTable::default();
        let participant_ids = vec!["a".to_owned(), "b".to_owned()];
        assert!(t.start("app", "c", "a", participant_ids.clone(), 0).is_some());
        assert!(t.start("app", "c", "a", participant_ids.clone(), 5_000).is_none(), "renewal");
        assert_eq!(t.deadline("app", "c", "a"), Some(15_000));
        assert_eq!(t.view("app", "c", "a"), TypingView::Few(vec![]));
        assert_eq!(t.view("app", "c", "b"), TypingView::Few(vec![("a".to_owned(), 0)]), "start time is kept");
        for u in ["b", "c", "d", "e", "f"] {
            t.start("app", "c", u, participant_ids.clone(), 1);
        }
        assert_eq!(
            t.view("app", "c", "a"),
            TypingView::Few(vec![("b".into(), 1), ("c".into(), 1), ("d".into(), 1), ("e".into(), 1), ("f".into(), 1)]),
            "five others is still few"
        );
        assert_eq!(t.view("app", "c", "z"), TypingView::Many, "six others is many");
        assert!(t.stop("app", "c", "a").is_some());
        assert!(t.stop("app", "c", "a").is_none());
    }
}
