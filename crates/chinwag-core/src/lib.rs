//! Chinwag's domain: entities and rules, message content and markup,
//! credentials, the use-case services, and the ports those services need.
//!
//! This crate knows nothing of HTTP, SQL or sockets.

pub mod auth;
pub mod content;
pub mod error;
pub mod events;
pub mod filter;
pub mod ids;
pub mod limits;
pub mod links;
pub mod model;
pub mod one_on_one;
pub mod ports;
pub mod read_state;
pub mod realtime;
pub mod search;
pub mod service;
pub mod storage;

pub use error::{CoreError, CoreResult, ErrorCode, ErrorKind};
