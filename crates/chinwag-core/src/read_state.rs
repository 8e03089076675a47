//! Read state and the message clock: who has read a message, what counts as
//! unread, what reading and sending move, where a conversation sorts in a
//! participant's list, and the times live messages get.
//!
//! These are the rules every `Store` adapter applies inside its write
//! transaction. They live here, as pure functions, so that two stores call
//! one implementation instead of each keeping a copy. A store that keeps a
//! rule's result in a column (SQLite keeps `participants.unread_count` and
//! `participants.activity`) updates it with set-based SQL that must agree
//! with these functions; the contract suite (`chinwag-store-tests`) recounts
//! with them and compares.

use crate::model::{Access, Message, Notify, Origin, Participant, ParticipantSettings, ParticipantState};

/// Whether a message from `sender` at `created_at` is unread for `reader`,
/// whose read point is `read_until`: one's own messages never are, and a
/// message is read once the read point reached its time.
///
/// Message times are distinct within a conversation for live messages (see
/// [`MessageClock`]), so "after the read point" is exact.
pub fn is_unread_for(reader: &str, read_until: Option<i64>, sender: Option<&str>, created_at: i64) -> bool {
    sender != Some(reader) && read_until.is_none_or(|t| t < created_at)
}

/// A participant's unread count, recounted from the conversation's messages
/// (each as its sender and time).
pub fn count_unread<'m>(
    reader: &str,
    read_until: Option<i64>,
    messages: impl IntoIterator<Item = (Option<&'m str>, i64)>,
) -> u64 {
    messages.into_iter().filter(|(sender, at)| is_unread_for(reader, read_until, *sender, *at)).count() as u64
}

/// Who has read a message from `sender` at `created_at`: every other
/// participant whose read point reached it, then those an import named as
/// readers (`imported`, in their order) who are not already listed. The
/// sender never reads their own message.
pub fn read_by<'p>(
    participants: impl IntoIterator<Item = &'p Participant>,
    sender: Option<&str>,
    created_at: i64,
    imported: &[String],
) -> Vec<String> {
    let mut readers: Vec<String> = participants
        .into_iter()
        .filter(|p| Some(p.user_id.as_str()) != sender)
        .filter(|p| p.read_until.is_some_and(|t| t >= created_at) || imported.contains(&p.user_id))
        .map(|p| p.user_id.clone())
        .collect();
    for u in imported {
        if !readers.contains(u) && Some(u.as_str()) != sender {
            readers.push(u.clone());
        }
    }
    readers
}

/// Whether sending a message of this origin reads the conversation for its
/// sender. Imports are history: they read, notify and number nothing.
pub fn sending_reads(origin: Origin) -> bool {
    origin != Origin::Import
}

/// Sending reads everything up to one's own message: the sender's read
/// point moves to it (never back), and a "marked unread" flag clears.
pub fn read_on_send(sender: &mut Participant, sent_at: i64) {
    sender.read_until = Some(sender.read_until.map_or(sent_at, |t| t.max(sent_at)));
    sender.marked_unread = false;
}

/// Applies a newly stored message to an audience kept in memory: one more
/// unread for every other participant who had not read that far, and, for a
/// live message, its sender reads up to it ([`read_on_send`]) with nothing
/// left unread (a live message is the newest: [`MessageClock`]).
pub fn count_new_message(audience: &mut [ParticipantState], message: &Message) {
    let sender = message.sender_id.as_deref();
    for state in audience.iter_mut() {
        let p = &state.participant;
        if is_unread_for(&p.user_id, p.read_until, sender, message.created_at) {
            state.unread_message_count += 1;
        }
    }
    if let (Some(sender), true) = (sender, sending_reads(message.origin))
        && let Some(state) = audience.iter_mut().find(|s| s.participant.user_id == sender)
    {
        read_on_send(&mut state.participant, message.created_at);
        state.unread_message_count = 0;
    }
}

/// Takes a deleted message out of an audience kept in memory: one unread
/// less for every participant it was unread for.
pub fn uncount_deleted_message(audience: &mut [ParticipantState], message: &Message) {
    let sender = message.sender_id.as_deref();
    for state in audience.iter_mut() {
        let p = &state.participant;
        if is_unread_for(&p.user_id, p.read_until, sender, message.created_at) {
            state.unread_message_count = state.unread_message_count.saturating_sub(1);
        }
    }
}

/// What "mark as read" reads up to: the conversation's newest message, or
/// `now` in a conversation without messages.
pub fn read_point(last_message_at: Option<i64>, now: i64) -> i64 {
    last_message_at.unwrap_or(now)
}

/// "Mark as read": the participant after it, or `None` when it changes
/// nothing (already read that far, and not marked unread). The read point
/// never moves back.
pub fn mark_read(p: &Participant, last_message_at: Option<i64>, now: i64) -> Option<Participant> {
    let until = read_point(last_message_at, now);
    if !p.marked_unread && p.read_until.is_some_and(|r| r >= until) {
        return None;
    }
    Some(Participant {
        read_until: Some(p.read_until.map_or(until, |r| r.max(until))),
        marked_unread: false,
        ..p.clone()
    })
}

/// "Mark as unread": the participant after it, or `None` if already marked.
/// Only the flag moves; the read point and unread count stay.
pub fn mark_unread(p: &Participant) -> Option<Participant> {
    (!p.marked_unread).then(|| Participant { marked_unread: true, ..p.clone() })
}

/// Joining, or joining again: the given settings, defaults for the rest
/// (read-write, notify all). Someone already taking part keeps when they
/// joined and their read state; a newcomer joins at `now` with nothing read.
pub fn joined(user_id: &str, settings: ParticipantSettings, existing: Option<&Participant>, now: i64) -> Participant {
    Participant {
        user_id: user_id.to_owned(),
        access: settings.access.unwrap_or(Access::ReadWrite),
        notify: settings.notify.unwrap_or(Notify::All),
        joined_at: existing.map_or(now, |e| e.joined_at),
        read_until: existing.and_then(|e| e.read_until),
        marked_unread: existing.is_some_and(|e| e.marked_unread),
    }
}

/// A change of settings: only those given move.
pub fn with_settings(p: &Participant, settings: ParticipantSettings) -> Participant {
    Participant {
        access: settings.access.unwrap_or(p.access),
        notify: settings.notify.unwrap_or(p.notify),
        ..p.clone()
    }
}

/// Where a conversation sorts in a participant's list: the later of its
/// newest message and their joining.
pub fn activity(joined_at: i64, last_message_at: Option<i64>) -> i64 {
    last_message_at.unwrap_or(0).max(joined_at)
}

/// The smallest read point over the participants (0 if anyone never read).
pub fn everyone_read_until(participants: &[ParticipantState]) -> i64 {
    participants.iter().map(|p| p.participant.read_until.unwrap_or(0)).min().unwrap_or(0)
}

/// The times of a conversation's new messages. Live messages get strictly
/// increasing times, each past the newest stored message, so "created after
/// the read point" is exact even for several messages in one millisecond, and
/// a live message is always the newest. Imported messages keep their own
/// times; one dated later than the clock moves it, so that a live message
/// after it in the same batch is still the newest (as it is in a later
/// batch, whose clock starts past the newest stored message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageClock {
    last: i64,
}

impl MessageClock {
    /// A clock for a conversation whose newest message is at `last_message_at`.
    pub fn after(last_message_at: Option<i64>) -> Self {
        MessageClock { last: last_message_at.unwrap_or(i64::MIN) }
    }

    /// The time of the next message appended at `now`: `imported` for an
    /// import, otherwise `now`, or 1 ms past the newest message so far if
    /// that is not earlier.
    pub fn stamp(&mut self, now: i64, imported: Option<i64>) -> i64 {
        match imported {
            Some(at) => {
                self.last = self.last.max(at);
                at
            }
            None => {
                self.last = now.max(self.last.saturating_add(1));
                self.last
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageType;

    fn p(user: &str, read_until: Option<i64>) -> Participant {
        Participant {
            user_id: user.into(),
            access: Access::ReadWrite,
            notify: Notify::All,
            joined_at: 0,
            read_until,
            marked_unread: false,
        }
    }

    fn state(user: &str, read_until: Option<i64>, unread: u64) -> ParticipantState {
        ParticipantState { participant: p(user, read_until), unread_message_count: unread }
    }

    fn message(sender: Option<&str>, at: i64, origin: Origin) -> Message {
        Message {
            id: format!("m{at}"),
            conversation_id: "c".into(),
            kind: if sender.is_some() { MessageType::UserMessage } else { MessageType::SystemMessage },
            sender_id: sender.map(str::to_owned),
            content: vec![],
            custom: Default::default(),
            created_at: at,
            edited_at: None,
            referenced_message_id: None,
            origin,
            reactions: vec![],
            read_by: vec![],
        }
    }

    #[test]
    fn unread_means_from_someone_else_and_past_the_read_point() {
        assert!(is_unread_for("b", None, Some("a"), 5), "never read: everything from others is unread");
        assert!(!is_unread_for("a", None, Some("a"), 5), "one's own message never is");
        assert!(is_unread_for("b", Some(4), Some("a"), 5));
        assert!(!is_unread_for("b", Some(5), Some("a"), 5), "read up to its very millisecond");
        assert!(is_unread_for("b", Some(4), None, 5), "system messages count");
        let messages = [(Some("a"), 1), (Some("b"), 2), (None, 3), (Some("a"), 4)];
        assert_eq!(count_unread("b", Some(1), messages), 2);
        assert_eq!(count_unread("a", None, messages), 2);
    }

    #[test]
    fn read_by_lists_readers_past_the_message_then_imported_ones() {
        let ps = [p("a", Some(10)), p("b", Some(5)), p("c", None)];
        assert_eq!(read_by(&ps, Some("a"), 5, &[]), ["b"], "the sender is never a reader");
        assert_eq!(read_by(&ps, None, 5, &[]), ["a", "b"]);
        assert_eq!(read_by(&ps, Some("a"), 6, &["c".into(), "gone".into()]), ["c", "gone"]);
        assert_eq!(read_by(&ps, Some("a"), 5, &["a".into(), "b".into()]), ["b"], "no duplicates, never the sender");
    }

    #[test]
    fn a_live_message_reads_the_conversation_for_its_sender() {
        let mut audience = [state("a", Some(1), 3), state("b", Some(9), 0), state("c", None, 2)];
        audience[0].participant.marked_unread = true;
        count_new_message(&mut audience, &message(Some("a"), 10, Origin::Web));
        assert_eq!(audience[0].participant.read_until, Some(10));
        assert!(!audience[0].participant.marked_unread);
        assert_eq!(audience[0].unread_message_count, 0);
        assert_eq!(audience[1].unread_message_count, 1, "b had read up to 9");
        assert_eq!(audience[2].unread_message_count, 3);
    }

    #[test]
    fn an_import_reads_nothing_for_its_sender() {
        let mut audience = [state("a", Some(1), 3), state("b", Some(9), 0)];
        count_new_message(&mut audience, &message(Some("a"), 5, Origin::Import));
        assert_eq!(audience[0], state("a", Some(1), 3));
        assert_eq!(audience[1].unread_message_count, 0, "b had read past it");
        let mut audience = [state("a", Some(1), 0)];
        count_new_message(&mut audience, &message(None, 5, Origin::Rest));
        assert_eq!(audience[0], state("a", Some(1), 1), "a system message reads for nobody");
    }

    #[test]
    fn the_sender_s_read_point_never_moves_back() {
        let mut a = p("a", Some(20));
        read_on_send(&mut a, 10);
        assert_eq!(a.read_until, Some(20));
    }

    #[test]
    fn mark_read_reads_up_to_the_newest_message() {
        assert_eq!(mark_read(&p("a", None), Some(7), 100).map(|p| p.read_until), Some(Some(7)));
        assert_eq!(mark_read(&p("a", None), None, 100).map(|p| p.read_until), Some(Some(100)), "no messages: now");
        assert_eq!(mark_read(&p("a", Some(7)), Some(7), 100), None, "nothing to change");
        assert_eq!(mark_read(&p("a", Some(9)), Some(7), 100), None, "never moves back");
        let marked = Participant { marked_unread: true, ..p("a", Some(9)) };
        let read = mark_read(&marked, Some(7), 100).expect("clears the flag");
        assert_eq!((read.read_until, read.marked_unread), (Some(9), false));
    }

    #[test]
    fn mark_unread_sets_only_the_flag() {
        let marked = mark_unread(&p("a", Some(3))).expect("changes");
        assert_eq!(marked, Participant { marked_unread: true, ..p("a", Some(3)) });
        assert_eq!(mark_unread(&marked), None);
    }

    #[test]
    fn joining_keeps_what_a_participant_had_and_defaults_the_rest() {
        let fresh = joined("a", ParticipantSettings::default(), None, 50);
        assert_eq!(fresh, Participant { joined_at: 50, ..p("a", None) });
        let old = Participant { access: Access::Read, notify: Notify::Off, joined_at: 5, ..p("a", Some(9)) };
        let again =
            joined("a", ParticipantSettings { access: None, notify: Some(Notify::MentionsOnly) }, Some(&old), 50);
        assert_eq!(
            again,
            Participant { notify: Notify::MentionsOnly, joined_at: 5, ..p("a", Some(9)) },
            "a join overwrites the settings (defaults fill the gaps), keeps the rest"
        );
        let changed = with_settings(&old, ParticipantSettings { access: Some(Access::ReadWrite), notify: None });
        assert_eq!(
            changed,
            Participant { access: Access::ReadWrite, ..old.clone() },
            "a change keeps what is not given"
        );
    }

    #[test]
    fn activity_is_the_later_of_joining_and_the_newest_message() {
        assert_eq!(activity(5, None), 5);
        assert_eq!(activity(5, Some(3)), 5);
        assert_eq!(activity(5, Some(8)), 8);
    }

    #[test]
    fn everyone_read_until_is_the_smallest_read_point() {
        assert_eq!(everyone_read_until(&[state("a", Some(5), 0), state("b", Some(3), 0)]), 3);
        assert_eq!(everyone_read_until(&[state("a", Some(5), 0), state("b", None, 0)]), 0);
        assert_eq!(everyone_read_until(&[]), 0);
    }

    #[test]
    fn the_clock_gives_live_messages_distinct_increasing_times() {
        let mut clock = MessageClock::after(Some(100));
        assert_eq!(clock.stamp(50, None), 101, "a clock behind the newest message goes on past it");
        assert_eq!(clock.stamp(101, None), 102, "the same millisecond again");
        assert_eq!(clock.stamp(500, None), 500);
        assert_eq!(clock.stamp(600, Some(7)), 7, "an import keeps its time");
        assert_eq!(clock.stamp(400, None), 501, "an older one does not move the clock");
        assert_eq!(clock.stamp(600, Some(900)), 900);
        assert_eq!(clock.stamp(600, None), 901, "a live message goes past a later-dated import");
        assert_eq!(MessageClock::after(None).stamp(3, None), 3);
    }

    proptest::proptest! {
        /// Applying messages one by one to an in-memory audience gives the
        /// counts a recount from all the messages gives.
        #[test]
        fn kept_counts_equal_a_recount(
            batches in proptest::collection::vec(
                proptest::collection::vec((0usize..3, proptest::bool::ANY, 0i64..20), 1..4),
                0..12,
            ),
            reads in proptest::collection::vec(proptest::option::of(0i64..20), 3),
        ) {
            let users = ["a", "b", "c"];
            let mut audience: Vec<ParticipantState> = users
                .iter()
                .zip(&reads)
                .map(|(u, r)| state(u, *r, count_unread(u, *r, std::iter::empty())))
                .collect();
            let mut stored: Vec<Message> = Vec::new();
            for batch in batches {
                // Each batch is one append, whose clock starts past the
                // newest stored message (as a store's does); imports in it
                // may be dated past its live messages' `now`.
                let mut clock = MessageClock::after(stored.iter().map(|m| m.created_at).max());
                for (who, import, at) in batch {
                    let origin = if import { Origin::Import } else { Origin::Web };
                    let created = clock.stamp(at, import.then_some(at + 5));
                    let m = message(Some(users[who]), created, origin);
                    count_new_message(&mut audience, &m);
                    stored.push(m);
                }
            }
            for s in &audience {
                let p = &s.participant;
                let recount = count_unread(
                    &p.user_id,
                    p.read_until,
                    stored.iter().map(|m| (m.sender_id.as_deref(), m.created_at)),
                );
                proptest::prop_assert_eq!(s.unread_message_count, recount, "{}", p.user_id);
            }
        }
    }
}
