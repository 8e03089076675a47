//! Between nodes: what they send each other ([`codec`]), how a receiving
//! node puts each conversation's events back in order and rebuilds their
//! audience ([`sequencer`]), and the NATS transport ([`nats`]).

pub mod codec;
pub mod interest;
pub mod nats;
pub mod sequencer;

pub use nats::NatsBroker;
