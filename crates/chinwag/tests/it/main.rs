//! End-to-end tests: each starts a real `chinwag serve` and drives it over HTTP.

// Test modules are private to this binary; `pub` only shares helpers between them.
#![allow(unreachable_pub)]

mod support;

mod durability;
mod search;
mod seed;

mod abuse;
mod auth;
mod batch;
mod cli;
mod cluster;
mod conversations;
mod copy_store;
mod deploy;
mod errors;
mod faults;
mod files;
mod import;
mod leniency;
mod messages;
mod pagination;
mod participants;
mod persistence;
mod postgres;
mod reactions;
mod read_state;
mod realtime;
mod s3;
mod transport;
mod ui;
mod users;
mod ws;
mod ws_limits;
