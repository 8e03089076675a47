//! Turns: in-process, per-key (a conversation, a user) async locks that a
//! write holds from before its transaction until its events are published.
//!
//! Why: the database orders two writes of one conversation (the advisory
//! lock, then `seq`), but after COMMIT each caller publishes on its own
//! task. Two tasks of this node writing one conversation could commit A
//! then B and yet publish B then A, and a subscriber would see `seq` go
//! backwards. Holding the conversation's turn across commit *and* publish
//! makes this node's publishing order its commit order. (Another node
//! publishes its own writes; each subscriber's node sees each
//! conversation's events in `seq` order.) Writes of one conversation are
//! serialised by the database anyway, so the turn costs no concurrency; it
//! also keeps waiting writers off the pool's connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

type Map = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

#[derive(Default)]
pub(crate) struct Turns {
    map: Arc<Map>,
}

/// The turns of one write; released (and forgotten, when nobody waits) on drop.
pub(crate) struct Turn {
    held: Vec<(String, Option<OwnedMutexGuard<()>>)>,
    map: Arc<Map>,
}

impl Turns {
    /// Waits for the turns of every key, taken in sorted order so that two
    /// writes needing several never wait for each other in a circle.
    pub(crate) async fn take(&self, mut keys: Vec<String>) -> Turn {
        keys.sort_unstable();
        keys.dedup();
        let mut turn = Turn { held: Vec::with_capacity(keys.len()), map: self.map.clone() };
        for key in keys {
            let lock = {
                let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
                map.entry(key.clone()).or_default().clone()
            };
            turn.held.push((key, Some(lock.lock_owned().await)));
        }
        turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        for (key, guard) in &mut self.held {
            drop(guard.take());
            if map.get(key).is_some_and(|lock| Arc::strong_count(lock) == 1) {
                map.remove(key);
            }
        }
    }
}

/// The turn (and advisory lock) name of a conversation.
pub(crate) fn conversation_key(app: &str, cid: &str) -> String {
    format!("c{}:{app}{cid}", app.len())
}

/// The turn name of a user.
pub(crate) fn user_key(app: &str, uid: &str) -> String {
    format!("u{}:{app}{uid}", app.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_is_forgotten_once_nobody_holds_or_waits_for_it() {
        let turns = Turns::default();
        let a = turns.take(vec!["k".into(), "j".into(), "k".into()]).await;
        assert_eq!(turns.map.lock().expect("map").len(), 2);
        drop(a);
        assert!(turns.map.lock().expect("map").is_empty());
    }

    #[tokio::test]
    async fn a_second_taker_waits_for_the_first() {
        let turns = Arc::new(Turns::default());
        let first = turns.take(vec!["k".into()]).await;
        let t = turns.clone();
        let second = tokio::spawn(async move { drop(t.take(vec!["k".into()]).await) });
        tokio::task::yield_now().await;
        assert!(!second.is_finished());
        drop(first);
        second.await.expect("the second gets its turn");
    }
}
