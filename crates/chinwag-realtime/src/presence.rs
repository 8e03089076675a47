//! Who is online on other nodes of a cluster, as their heartbeats and
//! presence changes report it. A user is online when any node holds an
//! authenticated socket of theirs; the hub keeps its own sockets' count, and
//! this table the other nodes' share.

use std::collections::{HashMap, HashSet};

/// (app id, user id).
pub(crate) type UserKey = (String, String);

#[derive(Debug, Default)]
pub(crate) struct RemotePresence {
    /// The nodes each user is online on.
    by_user: HashMap<UserKey, HashSet<String>>,
    /// The users online on each node.
    by_node: HashMap<String, HashSet<UserKey>>,
}

impl RemotePresence {
    pub(crate) fn is_online(&self, user: &UserKey) -> bool {
        self.by_user.contains_key(user)
    }

    /// Users online on some other node, of one app.
    pub(crate) fn users_of<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_user.keys().filter(move |(a, _)| a == app).map(|(_, u)| u.as_str())
    }

    /// Records one user's presence on `node`. Answers whether the user's
    /// remote presence (on any other node) changed.
    pub(crate) fn set(&mut self, node: &str, user: UserKey, online: bool) -> bool {
        let was = self.is_online(&user);
        if online {
            self.by_node.entry(node.to_owned()).or_default().insert(user.clone());
            self.by_user.entry(user.clone()).or_default().insert(node.to_owned());
        } else {
            if let Some(users) = self.by_node.get_mut(node) {
                users.remove(&user);
            }
            if let Some(nodes) = self.by_user.get_mut(&user) {
                nodes.remove(node);
                if nodes.is_empty() {
                    self.by_user.remove(&user);
                }
            }
        }
        was != self.is_online(&user)
    }

    /// Replaces everything `node` holds with `users`. Answers the users whose
    /// remote presence changed, with their new state.
    pub(crate) fn replace(&mut self, node: &str, users: HashSet<UserKey>) -> Vec<(UserKey, bool)> {
        let held = self.by_node.get(node).cloned().unwrap_or_default();
        let mut changes = Vec::new();
        for gone in held.difference(&users) {
            if self.set(node, gone.clone(), false) {
                changes.push((gone.clone(), false));
            }
        }
        for new in users.difference(&held) {
            if self.set(node, new.clone(), true) {
                changes.push((new.clone(), true));
            }
        }
        if self.by_node.get(node).is_some_and(HashSet::is_empty) {
            self.by_node.remove(node);
        }
        changes
    }

    pub(crate) fn nodes(&self) -> impl Iterator<Item = &str> {
        self.by_node.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(u: &str) -> UserKey {
        ("app".into(), u.into())
    }

    #[test]
    fn a_user_is_online_while_any_node_holds_them() {
        let mut p = RemotePresence::default();
        assert!(p.set("n1", k("ann"), true));
        assert!(!p.set("n2", k("ann"), true), "already online elsewhere");
        assert!(!p.set("n1", k("ann"), false), "still on n2");
        assert!(p.set("n2", k("ann"), false));
        assert!(!p.is_online(&k("ann")));
    }

    #[test]
    fn replacing_a_node_reports_only_real_changes() {
        let mut p = RemotePresence::default();
        p.set("n1", k("ann"), true);
        p.set("n1", k("bob"), true);
        p.set("n2", k("bob"), true);
        let mut changes = p.replace("n1", [k("cy")].into_iter().collect());
        changes.sort();
        assert_eq!(changes, vec![(k("ann"), false), (k("cy"), true)], "bob stays online through n2");
        assert_eq!(p.replace("n2", HashSet::new()), vec![(k("bob"), false)]);
        let mut users: Vec<&str> = p.users_of("app").collect();
        users.sort_unstable();
        assert_eq!(users, ["cy"]);
        assert_eq!(p.nodes().collect::<Vec<_>>(), ["n1"]);
    }
}
