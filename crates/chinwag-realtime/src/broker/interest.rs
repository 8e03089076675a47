//! Which conversations a node follows on the broker: those a user with an
//! authenticated socket here takes part in. Pure bookkeeping; the broker
//! subscribes and unsubscribes as it says.

use std::collections::{HashMap, HashSet};

/// (app id, user id) or (app id, conversation id).
pub type Key = (String, String);

#[derive(Debug, Default)]
pub struct Interest {
    /// Local users, with the conversations they take part in.
    users: HashMap<Key, HashSet<String>>,
    /// Followed conversations, with how many local users take part.
    followed: HashMap<Key, usize>,
}

impl Interest {
    /// A user's first socket here authenticated. `false` if already local.
    pub fn arrive(&mut self, app: &str, user: &str) -> bool {
        let key = (app.to_owned(), user.to_owned());
        if self.users.contains_key(&key) {
            return false;
        }
        self.users.insert(key, HashSet::new());
        true
    }

    /// A user's last socket here went: the conversations no longer followed.
    pub fn leave(&mut self, app: &str, user: &str) -> Vec<Key> {
        let Some(conversations) = self.users.remove(&(app.to_owned(), user.to_owned())) else { return Vec::new() };
        conversations.into_iter().filter_map(|cid| self.release(app, cid)).collect()
    }

    pub fn is_local(&self, app: &str, user: &str) -> bool {
        self.users.contains_key(&(app.to_owned(), user.to_owned()))
    }

    pub fn follows(&self, app: &str, cid: &str) -> bool {
        self.followed.contains_key(&(app.to_owned(), cid.to_owned()))
    }

    /// A local user takes part in `cid`. `true` when the conversation is
    /// newly followed (subscribe to it).
    pub fn join(&mut self, app: &str, user: &str, cid: &str) -> bool {
        let Some(conversations) = self.users.get_mut(&(app.to_owned(), user.to_owned())) else { return false };
        if !conversations.insert(cid.to_owned()) {
            return false;
        }
        let count = self.followed.entry((app.to_owned(), cid.to_owned())).or_default();
        *count += 1;
        *count == 1
    }

    /// A local user left `cid`. `true` when it is no longer followed (unsubscribe).
    pub fn part(&mut self, app: &str, user: &str, cid: &str) -> bool {
        let Some(conversations) = self.users.get_mut(&(app.to_owned(), user.to_owned())) else { return false };
        if !conversations.remove(cid) {
            return false;
        }
        self.release(app, cid.to_owned()).is_some()
    }

    /// The conversation is gone: `true` when it was followed.
    pub fn forget(&mut self, app: &str, cid: &str) -> bool {
        let key = (app.to_owned(), cid.to_owned());
        for ((a, _), conversations) in &mut self.users {
            if a == app {
                conversations.remove(cid);
            }
        }
        self.followed.remove(&key).is_some()
    }

    fn release(&mut self, app: &str, cid: String) -> Option<Key> {
        let key = (app.to_owned(), cid);
        let count = self.followed.get_mut(&key)?;
        *count -= 1;
        if *count > 0 {
            return None;
        }
        self.followed.remove(&key);
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_is_followed_while_a_local_user_takes_part() {
        let mut i = Interest::default();
        assert!(!i.join("a", "ann", "c"), "ann is not local yet");
        assert!(i.arrive("a", "ann"));
        assert!(!i.arrive("a", "ann"));
        assert!(i.arrive("a", "bob"));
        assert!(i.join("a", "ann", "c"), "first local participant: follow");
        assert!(!i.join("a", "bob", "c"), "already followed");
        assert!(!i.join("a", "ann", "c"), "already counted");
        assert!(!i.part("a", "ann", "c"), "bob still takes part");
        assert!(i.follows("a", "c"));
        assert_eq!(i.leave("a", "bob"), vec![("a".to_owned(), "c".to_owned())], "the last one went");
        assert!(!i.follows("a", "c"));
        assert!(i.join("a", "ann", "d"));
        assert!(i.forget("a", "d"));
        assert!(i.leave("a", "ann").is_empty(), "d was forgotten already");
    }
}
