//! Chinwag's realtime layer: the connection hub (sockets, subscriptions,
//! routing and per-viewer projection of committed events), typing and
//! presence, and the wire shapes of the realtime Data API.
//!
//! Single node: the hub is the services' event bus. A cluster adds a broker
//! between nodes (NATS), which delivers to each node's hub.

pub mod broker;
mod hub;
mod presence;
mod typing;
pub mod wire;

pub use hub::{Hub, PresenceListener};
