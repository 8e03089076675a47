//! Realtime fan-out. For now this holds the in-process event bus that the
//! services publish committed events to; the connection hub, subscriptions,
//! per-viewer projection and the NATS broker build on it.

use std::sync::Arc;

use chinwag_core::events::ConversationEvent;
use chinwag_core::ports::EventBus;
use tokio::sync::broadcast;

/// How many events a lagging local subscriber may fall behind before it is
/// told it lagged (and must re-fetch) rather than slowing publishers.
const CAPACITY: usize = 65_536;

/// The single-node event bus: a broadcast channel. Publishing never blocks.
#[derive(Debug, Clone)]
pub struct LocalBus {
    tx: broadcast::Sender<Arc<ConversationEvent>>,
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus { tx: broadcast::channel(CAPACITY).0 }
    }
}

impl LocalBus {
    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ConversationEvent>> {
        self.tx.subscribe()
    }
}

impl EventBus for LocalBus {
    fn publish(&self, events: Vec<ConversationEvent>) {
        for event in events {
            // An error only means nobody is listening, which is fine.
            let _ = self.tx.send(Arc::new(event));
        }
    }
}

#[cfg(test)]
mod tests {
    use chinwag_core::events::EventKind;

    use super::*;

    #[tokio::test]
    async fn subscribers_see_events_in_order() {
        let bus = LocalBus::default();
        let mut rx = bus.subscribe();
        let ev = |seq| ConversationEvent {
            app_id: "a".into(),
            conversation_id: "c".into(),
            seq,
            kind: EventKind::ConversationDeleted,
        };
        bus.publish(vec![ev(1), ev(2)]);
        assert_eq!(rx.recv().await.unwrap().seq, 1);
        assert_eq!(rx.recv().await.unwrap().seq, 2);
    }
}
