//! Sending, importing, editing and deleting messages, and reactions.

use super::Services;
use crate::content::markup::{self, ParseOptions};
use crate::content::{ContentBlock, ContentPolicy, validate_content};
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::check_id;
use crate::limits::*;
use crate::model::*;

/// What a message is made of, as a REST caller gives it. Exactly one payload.
#[derive(Debug, Clone, PartialEq)]
pub enum SendPayload {
    /// Legacy markup text, parsed on the server.
    Text(String),
    /// Structured content blocks.
    Content(Vec<ContentBlock>),
    /// An uploaded file, by its token.
    Attachment(String),
    /// `[latitude, longitude]`.
    Location(f64, f64),
}

/// One message of a send or import request.
#[derive(Debug, Clone, PartialEq)]
pub struct SendMessage {
    pub kind: MessageType,
    pub sender_id: Option<String>,
    pub payload: SendPayload,
    pub custom: Custom,
    pub referenced_message_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// Import only.
    pub timestamp: Option<i64>,
    /// Import only.
    pub read_by: Vec<String>,
}

impl SendMessage {
    fn into_new(self, index: usize, origin: Origin, policy: ContentPolicy) -> CoreResult<NewMessage> {
        let at = |e: CoreError| CoreError {
            reasons: e.reasons.into_iter().map(|r| format!("message {index}: {r}")).collect(),
            ..e
        };
        match (self.kind, &self.sender_id) {
            (MessageType::UserMessage, None) => {
                return Err(at(CoreError::invalid("a UserMessage needs a sender.")));
            }
            (MessageType::SystemMessage, Some(_)) => {
                return Err(at(CoreError::invalid(
                    "a SystemMessage has no sender; use type UserMessage to send as a user.",
                )));
            }
            _ => {}
        }
        if let Some(sender) = &self.sender_id {
            check_id("sender", sender).map_err(at)?;
        }
        if let Some(r) = &self.referenced_message_id {
            check_id("referencedMessageId", r).map_err(at)?;
        }
        if let Some(key) = &self.idempotency_key
            && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES)
        {
            return Err(at(CoreError::invalid(format!(
                "idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes long."
            ))));
        }
        validate_custom("custom", &self.custom).map_err(at)?;
        let content = match self.payload {
            SendPayload::Text(text) => {
                if text.len() > MAX_TEXT_BYTES {
                    return Err(at(CoreError::limit(format!(
                        "text is {} bytes long; the limit is {MAX_TEXT_BYTES}.",
                        text.len()
                    ))));
                }
                if text.trim().is_empty() {
                    return Err(at(CoreError::invalid("text must not be empty.")));
                }
                let opts = if policy.allow_links_and_actions { ParseOptions::REST } else { ParseOptions::USER };
                NewContent::Blocks(vec![ContentBlock::Text { children: markup::parse(&text, opts) }])
            }
            SendPayload::Content(blocks) => {
                validate_content(&blocks, policy)
                    .map_err(|e| at(CoreError::new(ErrorCode::InvalidContent, e.reason)))?;
                NewContent::Blocks(blocks)
            }
            SendPayload::Attachment(token) => {
                if token.is_empty() || token.len() > MAX_ID_BYTES {
                    return Err(at(CoreError::invalid("attachmentToken is not a valid token.")));
                }
                NewContent::File { token }
            }
            SendPayload::Location(latitude, longitude) => {
                if self.kind == MessageType::SystemMessage {
                    return Err(at(CoreError::invalid("a SystemMessage cannot carry a location.")));
                }
                let block = ContentBlock::Location { latitude, longitude };
                validate_content(std::slice::from_ref(&block), policy)
                    .map_err(|e| at(CoreError::new(ErrorCode::InvalidContent, e.reason)))?;
                NewContent::Blocks(vec![block])
            }
        };
        if origin == Origin::Import && self.kind != MessageType::UserMessage {
            return Err(at(CoreError::invalid("only UserMessages can be imported.")));
        }
        for reader in &self.read_by {
            check_id("readBy entry", reader).map_err(at)?;
        }
        Ok(NewMessage {
            kind: self.kind,
            sender_id: self.sender_id,
            content,
            custom: self.custom,
            referenced_message_id: self.referenced_message_id,
            idempotency_key: self.idempotency_key,
            origin,
            created_at: self.timestamp,
            read_by: self.read_by,
            needs_write_access: false,
        })
    }
}

impl Services {
    /// Sends up to 10 messages, in order, as the app's backend.
    pub async fn send_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<SendMessage>,
    ) -> CoreResult<Vec<Message>> {
        self.append(app_id, conversation_id, messages, Origin::Rest).await
    }

    /// Imports up to 10 historic messages. Imports are never de-duplicated.
    pub async fn import_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<SendMessage>,
    ) -> CoreResult<Vec<Message>> {
        // Imported times go into the conversation's clock, which every later
        // message follows: they must be real past times that JavaScript reads exactly.
        let latest = self.now().saturating_add(MAX_IMPORT_FUTURE_MS).min(MAX_SAFE_INTEGER);
        for (i, m) in messages.iter().enumerate() {
            match m.timestamp {
                None => return Err(CoreError::invalid(format!("message {i}: an imported message needs a timestamp."))),
                Some(t) if !(0..=latest).contains(&t) => {
                    return Err(CoreError::invalid(format!(
                        "message {i}: timestamp {t} is out of range: it must be Unix milliseconds from 0 up to now \
                         (at most {MAX_IMPORT_FUTURE_MS} ms ahead of the server's clock)."
                    )));
                }
                Some(_) => {}
            }
        }
        let messages = messages.into_iter().map(|m| SendMessage { idempotency_key: None, ..m }).collect();
        self.append(app_id, conversation_id, messages, Origin::Import).await
    }

    async fn append(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<SendMessage>,
        origin: Origin,
    ) -> CoreResult<Vec<Message>> {
        check_id("conversationId", conversation_id)?;
        if messages.is_empty() {
            return Err(CoreError::invalid("Send at least one message."));
        }
        if messages.len() > MAX_MESSAGES_PER_REQUEST {
            return Err(CoreError::limit(format!(
                "At most {MAX_MESSAGES_PER_REQUEST} messages per request; this one has {}.",
                messages.len()
            )));
        }
        let new = messages
            .into_iter()
            .enumerate()
            .map(|(i, m)| m.into_new(i, origin, ContentPolicy::REST))
            .collect::<CoreResult<Vec<_>>>()?;
        // The backend names the sender: one who takes no part is a bad request.
        let committed = self.store.append_messages(app_id, conversation_id, new, self.now()).await.map_err(|e| {
            if e.code == ErrorCode::NotAParticipant { CoreError { code: ErrorCode::InvalidRequest, ..e } } else { e }
        })?;
        let sent = self.publish(committed);
        // Sending ends typing, however the message was sent.
        for sender in sent.iter().filter(|m| m.origin != Origin::Import).filter_map(|m| m.sender_id.as_deref()) {
            self.realtime.typing_stopped(app_id, conversation_id, sender);
        }
        Ok(sent)
    }

    pub async fn get_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<Message> {
        check_id("conversationId", conversation_id)?;
        check_id("messageId", message_id)?;
        self.store
            .get_message(app_id, conversation_id, message_id)
            .await?
            .ok_or_else(|| CoreError::message_not_found(message_id))
    }

    pub async fn list_messages(&self, app_id: &str, conversation_id: &str, page: Page) -> CoreResult<Vec<Message>> {
        check_id("conversationId", conversation_id)?;
        if self.store.get_conversation(app_id, conversation_id).await?.is_none() {
            return Err(CoreError::conversation_not_found(conversation_id));
        }
        self.store.list_messages(app_id, conversation_id, &page).await
    }

    /// Edits text (parsed as markup), content, and/or custom. Sets `editedAt`.
    pub async fn edit_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        text: Option<String>,
        content: Option<Vec<ContentBlock>>,
        custom: CustomPatch,
    ) -> CoreResult<Message> {
        check_id("conversationId", conversation_id)?;
        check_id("messageId", message_id)?;
        custom.validate("custom")?;
        let content = match (text, content) {
            (Some(_), Some(_)) => return Err(CoreError::invalid("Give either text or content, not both.")),
            (Some(text), None) => {
                if text.len() > MAX_TEXT_BYTES {
                    return Err(CoreError::limit(format!(
                        "text is {} bytes long; the limit is {MAX_TEXT_BYTES}.",
                        text.len()
                    )));
                }
                if text.trim().is_empty() {
                    return Err(CoreError::invalid("text must not be empty."));
                }
                Some(vec![ContentBlock::Text { children: markup::parse(&text, ParseOptions::REST) }])
            }
            (None, Some(blocks)) => {
                validate_content(&blocks, ContentPolicy::REST)
                    .map_err(|e| CoreError::new(ErrorCode::InvalidContent, e.reason))?;
                Some(blocks)
            }
            (None, None) => None,
        };
        let committed = self
            .store
            .edit_message(app_id, conversation_id, message_id, MessagePatch { content, custom }, self.now())
            .await?;
        Ok(self.publish(committed))
    }

    pub async fn delete_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<()> {
        check_id("conversationId", conversation_id)?;
        check_id("messageId", message_id)?;
        let removal = self.publish(self.store.delete_message(app_id, conversation_id, message_id).await?);
        if !removal.existed {
            return Err(CoreError::message_not_found(message_id));
        }
        self.remove_file_bytes(app_id, &removal.files).await;
        Ok(())
    }

    pub async fn add_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Message> {
        check_id("userId", user_id)?;
        let emoji = normalize_emoji(emoji)?;
        let committed =
            self.store.add_reaction(app_id, conversation_id, message_id, &emoji, user_id, self.now()).await?;
        Ok(self.publish(committed))
    }

    pub async fn remove_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Message> {
        check_id("userId", user_id)?;
        let emoji = normalize_emoji(emoji)?;
        let committed = self.store.remove_reaction(app_id, conversation_id, message_id, &emoji, user_id).await?;
        Ok(self.publish(committed))
    }
}

/// A reaction is one Unicode emoji (any sequence Unicode lists, normalised to
/// its fully-qualified form, so "❤" and "❤️" are the same reaction) or a
/// custom `:name:` of at most [`MAX_EMOJI_CHARS`] characters.
pub(crate) fn normalize_emoji(emoji: &str) -> CoreResult<String> {
    let bad = |why: &str| CoreError::invalid(format!("'{emoji}' is not a valid reaction: {why}."));
    let chars = emoji.chars().count();
    if chars == 0 || chars > MAX_EMOJI_CHARS {
        return Err(bad(&format!("it must be 1 to {MAX_EMOJI_CHARS} characters long")));
    }
    if let Some(name) = emoji.strip_prefix(':').and_then(|e| e.strip_suffix(':')) {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')) {
            return Ok(emoji.to_owned());
        }
        return Err(bad("a custom emoji is ':name:' with letters, digits, '_', '-' or '+'"));
    }
    emojis::get(emoji).map(|e| e.as_str().to_owned()).ok_or_else(|| bad("use one Unicode emoji or a custom ':name:'"))
}

#[cfg(test)]
mod tests {
    use super::normalize_emoji;

    #[test]
    fn emoji_rules() {
        for ok in ["👍", "👍🏽", "👨‍👩‍👧", ":party_parrot:", "❤️", "1️⃣"] {
            assert_eq!(normalize_emoji(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(normalize_emoji("\u{2764}").as_deref(), Ok("\u{2764}\u{fe0f}"), "unqualified heart");
        for bad in ["", "a", "hello", "👍 👍", "👍👍", "::", ":a b:", &"👍".repeat(51)] {
            assert!(normalize_emoji(bad).is_err(), "{bad}");
        }
    }
}
