//! Domain entities and the rules for changing them.

use std::collections::BTreeMap;

use crate::content::ContentBlock;
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::limits::*;

/// A flat string → string map, as TalkJS allows on users, conversations and messages.
pub type Custom = BTreeMap<String, String>;

/// A three-way field update, for PATCH-like PUTs where `null` clears.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T: Clone> Patch<T> {
    /// The value after applying this patch to `current`.
    pub fn apply(&self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.clone()),
        }
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

/// An update of a `custom` map: `null` as a whole clears it; a key set to
/// `null` removes that key; other keys are merged in.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CustomPatch {
    #[default]
    Keep,
    Clear,
    Merge(BTreeMap<String, Option<String>>),
}

impl CustomPatch {
    pub fn apply(&self, current: &mut Custom) {
        match self {
            CustomPatch::Keep => {}
            CustomPatch::Clear => current.clear(),
            CustomPatch::Merge(entries) => {
                for (k, v) in entries {
                    match v {
                        Some(v) => {
                            current.insert(k.clone(), v.clone());
                        }
                        None => {
                            current.remove(k);
                        }
                    }
                }
            }
        }
    }

    pub fn validate(&self, field: &str) -> CoreResult<()> {
        if let CustomPatch::Merge(entries) = self {
            check_custom_entries(
                field,
                entries.iter().map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or(""))),
                entries.len(),
            )?;
        }
        Ok(())
    }

    /// After applying, the map must still respect the key-count limit.
    pub fn check_result(field: &str, result: &Custom) -> CoreResult<()> {
        if result.len() > MAX_CUSTOM_KEYS {
            return Err(CoreError::new(
                ErrorCode::InvalidCustom,
                format!("{field} would hold {} keys; the limit is {MAX_CUSTOM_KEYS}.", result.len()),
            ));
        }
        Ok(())
    }
}

/// Checks a complete custom map (messages carry whole maps, not patches).
pub fn validate_custom(field: &str, custom: &Custom) -> CoreResult<()> {
    check_custom_entries(field, custom.iter().map(|(k, v)| (k.as_str(), v.as_str())), custom.len())
}

fn check_custom_entries<'a>(
    field: &str,
    entries: impl Iterator<Item = (&'a str, &'a str)>,
    count: usize,
) -> CoreResult<()> {
    if count > MAX_CUSTOM_KEYS {
        return Err(CoreError::new(
            ErrorCode::InvalidCustom,
            format!("{field} has {count} keys; the limit is {MAX_CUSTOM_KEYS}."),
        ));
    }
    for (k, v) in entries {
        if k.is_empty() || k.len() > MAX_CUSTOM_KEY_BYTES {
            return Err(CoreError::new(
                ErrorCode::InvalidCustom,
                format!("{field} keys must be 1 to {MAX_CUSTOM_KEY_BYTES} bytes long."),
            ));
        }
        if v.len() > MAX_CUSTOM_VALUE_BYTES {
            return Err(CoreError::new(
                ErrorCode::InvalidCustom,
                format!("{field}.{k} is {} bytes long; the limit is {MAX_CUSTOM_VALUE_BYTES}.", v.len()),
            ));
        }
    }
    Ok(())
}

pub fn check_len(field: &str, value: Option<&str>, max: usize) -> CoreResult<()> {
    if let Some(v) = value
        && v.len() > max
    {
        return Err(CoreError::limit(format!("{field} is {} bytes long; the limit is {max}.", v.len())));
    }
    Ok(())
}

fn check_list(field: &str, list: &Patch<Vec<String>>, max_items: usize, max_len: usize) -> CoreResult<()> {
    if let Patch::Set(items) = list {
        if items.len() > max_items {
            return Err(CoreError::limit(format!("{field} has {} entries; the limit is {max_items}.", items.len())));
        }
        for (i, item) in items.iter().enumerate() {
            check_len(&format!("{field}[{i}]"), Some(item), max_len)?;
        }
    }
    Ok(())
}

fn check_patch_len(field: &str, patch: &Patch<String>, max: usize) -> CoreResult<()> {
    if let Patch::Set(v) = patch {
        check_len(field, Some(v), max)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- apps

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// When true, realtime sessions need a valid signature or user JWT.
    pub identity_verification_required: bool,
    pub browser_sync_users: bool,
    pub browser_sync_conversations: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            identity_verification_required: false,
            browser_sync_users: true,
            browser_sync_conversations: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: String,
    pub secret_keys: Vec<String>,
    pub settings: AppSettings,
    pub created_at: i64,
}

// ---------------------------------------------------------------- users

pub const DEFAULT_ROLE: &str = "default";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: Option<Vec<String>>,
    pub phone: Option<Vec<String>>,
    pub photo_url: Option<String>,
    pub header_photo_url: Option<String>,
    pub welcome_message: Option<String>,
    pub availability_text: Option<String>,
    pub locale: Option<String>,
    pub role: String,
    pub custom: Custom,
    pub push_tokens: BTreeMap<String, bool>,
    pub created_at: i64,
}

/// A user upsert. Absent fields keep their value; `Clear` nulls them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserPatch {
    pub name: Patch<String>,
    pub email: Patch<Vec<String>>,
    pub phone: Patch<Vec<String>>,
    pub photo_url: Patch<String>,
    pub header_photo_url: Patch<String>,
    pub welcome_message: Patch<String>,
    pub availability_text: Patch<String>,
    pub locale: Patch<String>,
    pub role: Patch<String>,
    pub custom: CustomPatch,
    /// `None` for the whole map clears every device.
    pub push_tokens: Option<Option<BTreeMap<String, Option<bool>>>>,
}

impl UserPatch {
    /// The private fields (contact details and devices) the patch changes:
    /// only the backend, or the user themself, may change these.
    pub fn private_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        if !self.email.is_keep() {
            fields.push("email");
        }
        if !self.phone.is_keep() {
            fields.push("phone");
        }
        if self.push_tokens.is_some() {
            fields.push("pushTokens");
        }
        fields
    }

    /// Shape checks that need no stored state.
    pub fn validate(&self) -> CoreResult<()> {
        if let Patch::Clear = self.name {
            return Err(CoreError::invalid("name cannot be null: every user has a name."));
        }
        check_patch_len("name", &self.name, MAX_SHORT_TEXT_BYTES)?;
        check_list("email", &self.email, MAX_CONTACTS, MAX_SHORT_TEXT_BYTES)?;
        check_list("phone", &self.phone, MAX_CONTACTS, MAX_SHORT_TEXT_BYTES)?;
        check_patch_len("photoUrl", &self.photo_url, MAX_SHORT_TEXT_BYTES)?;
        check_patch_len("headerPhotoUrl", &self.header_photo_url, MAX_SHORT_TEXT_BYTES)?;
        check_patch_len("welcomeMessage", &self.welcome_message, MAX_TEXT_BYTES)?;
        check_patch_len("availabilityText", &self.availability_text, MAX_TEXT_BYTES)?;
        check_patch_len("locale", &self.locale, MAX_SHORT_TEXT_BYTES)?;
        check_patch_len("role", &self.role, MAX_SHORT_TEXT_BYTES)?;
        self.custom.validate("custom")?;
        if let Some(Some(tokens)) = &self.push_tokens {
            if tokens.len() > MAX_PUSH_TOKENS {
                return Err(CoreError::limit(format!(
                    "pushTokens has {} entries; the limit is {MAX_PUSH_TOKENS}.",
                    tokens.len()
                )));
            }
            for (k, v) in tokens {
                check_len("pushTokens key", Some(k), MAX_SHORT_TEXT_BYTES)?;
                if *v == Some(false) {
                    return Err(CoreError::invalid(format!(
                        "pushTokens.{k} must be true (register) or null (unregister)."
                    )));
                }
            }
        }
        Ok(())
    }

    /// Applies the patch to a stored user, or creates one. Creating needs a name.
    pub fn apply(&self, id: &str, existing: Option<User>, now: i64) -> CoreResult<User> {
        let mut user = match existing {
            Some(u) => u,
            None => {
                let Patch::Set(name) = &self.name else {
                    return Err(CoreError::invalid(format!("User '{id}' does not exist yet, so name is required.")));
                };
                User {
                    id: id.to_owned(),
                    name: name.clone(),
                    email: None,
                    phone: None,
                    photo_url: None,
                    header_photo_url: None,
                    welcome_message: None,
                    availability_text: None,
                    locale: None,
                    role: DEFAULT_ROLE.to_owned(),
                    custom: Custom::new(),
                    push_tokens: BTreeMap::new(),
                    created_at: now,
                }
            }
        };
        if let Patch::Set(name) = &self.name {
            user.name = name.clone();
        }
        user.email = self.email.apply(user.email.take());
        user.phone = self.phone.apply(user.phone.take());
        user.photo_url = self.photo_url.apply(user.photo_url.take());
        user.header_photo_url = self.header_photo_url.apply(user.header_photo_url.take());
        user.welcome_message = self.welcome_message.apply(user.welcome_message.take());
        user.availability_text = self.availability_text.apply(user.availability_text.take());
        user.locale = self.locale.apply(user.locale.take());
        user.role = self.role.apply(Some(user.role.clone())).unwrap_or_else(|| DEFAULT_ROLE.to_owned());
        self.custom.apply(&mut user.custom);
        CustomPatch::check_result("custom", &user.custom)?;
        match &self.push_tokens {
            None => {}
            Some(None) => user.push_tokens.clear(),
            Some(Some(tokens)) => {
                for (k, v) in tokens {
                    match v {
                        Some(_) => {
                            user.push_tokens.insert(k.clone(), true);
                        }
                        None => {
                            user.push_tokens.remove(k);
                        }
                    }
                }
            }
        }
        Ok(user)
    }
}

// ---------------------------------------------------------------- conversations

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Access {
    ReadWrite,
    Read,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadWrite => "ReadWrite",
            Access::Read => "Read",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ReadWrite" => Some(Access::ReadWrite),
            "Read" => Some(Access::Read),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Notify {
    All,
    Off,
    MentionsOnly,
}

impl Notify {
    pub fn as_str(self) -> &'static str {
        match self {
            Notify::All => "true",
            Notify::Off => "false",
            Notify::MentionsOnly => "MentionsOnly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "true" => Some(Notify::All),
            "false" => Some(Notify::Off),
            "MentionsOnly" => Some(Notify::MentionsOnly),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conversation {
    pub id: String,
    pub subject: Option<String>,
    pub photo_url: Option<String>,
    pub welcome_messages: Option<Vec<String>>,
    pub custom: Custom,
    pub created_at: i64,
    pub last_message_at: Option<i64>,
    /// The per-conversation event sequence: the seq of the latest event.
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationPatch {
    pub subject: Patch<String>,
    pub photo_url: Patch<String>,
    pub welcome_messages: Patch<Vec<String>>,
    pub custom: CustomPatch,
}

impl ConversationPatch {
    pub fn validate(&self) -> CoreResult<()> {
        check_patch_len("subject", &self.subject, MAX_SHORT_TEXT_BYTES)?;
        check_patch_len("photoUrl", &self.photo_url, MAX_SHORT_TEXT_BYTES)?;
        check_list("welcomeMessages", &self.welcome_messages, MAX_WELCOME_MESSAGES, MAX_TEXT_BYTES)?;
        self.custom.validate("custom")
    }

    pub fn apply(&self, id: &str, existing: Option<Conversation>, now: i64) -> CoreResult<Conversation> {
        let mut c = existing.unwrap_or_else(|| Conversation {
            id: id.to_owned(),
            subject: None,
            photo_url: None,
            welcome_messages: None,
            custom: Custom::new(),
            created_at: now,
            last_message_at: None,
            seq: 0,
        });
        c.subject = self.subject.apply(c.subject.take());
        c.photo_url = self.photo_url.apply(c.photo_url.take());
        c.welcome_messages = self.welcome_messages.apply(c.welcome_messages.take());
        self.custom.apply(&mut c.custom);
        CustomPatch::check_result("custom", &c.custom)?;
        Ok(c)
    }

    pub fn is_empty(&self) -> bool {
        self.subject.is_keep()
            && self.photo_url.is_keep()
            && self.welcome_messages.is_keep()
            && self.custom == CustomPatch::Keep
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    pub user_id: String,
    pub access: Access,
    pub notify: Notify,
    pub joined_at: i64,
    /// Messages created after this instant are unread for this participant.
    pub read_until: Option<i64>,
    /// Set by "mark as unread"; cleared by reading.
    pub marked_unread: bool,
}

/// A participant's settings on join (PUT) or change (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ParticipantSettings {
    pub access: Option<Access>,
    pub notify: Option<Notify>,
}

/// A conversation as one participant sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    pub conversation: Conversation,
    pub participants: Vec<ParticipantState>,
    pub last_message: Option<Message>,
}

/// A participant with derived read state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParticipantState {
    pub participant: Participant,
    pub unread_message_count: u64,
}

impl ParticipantState {
    pub fn is_unread(&self) -> bool {
        self.participant.marked_unread || self.unread_message_count > 0
    }
}

/// A conversation as one participant sees it: the realtime protocol's
/// "side", the same 14 fields in every snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub id: String,
    pub subject: Option<String>,
    pub photo_url: Option<String>,
    pub welcome_messages: Vec<String>,
    pub custom: Custom,
    pub created_at: i64,
    pub joined_at: i64,
    /// The newest message's time, or `joined_at` when there is none.
    pub last_message_at: i64,
    pub unread_message_count: u64,
    pub is_unread: bool,
    pub access: Access,
    pub notify: Notify,
    /// 0 when the participant never read the conversation.
    pub read_until: i64,
    /// The smallest `read_until` over all participants.
    pub everyone_read_until: i64,
    /// Not on the wire: whether the conversation has any message.
    pub has_messages: bool,
}

impl Side {
    /// The side of `me`, given the conversation and all its participants.
    pub fn of(conversation: &Conversation, participants: &[ParticipantState], me: &ParticipantState) -> Side {
        let p = &me.participant;
        Side {
            id: conversation.id.clone(),
            subject: conversation.subject.clone(),
            photo_url: conversation.photo_url.clone(),
            welcome_messages: conversation.welcome_messages.clone().unwrap_or_default(),
            custom: conversation.custom.clone(),
            created_at: conversation.created_at,
            joined_at: p.joined_at,
            last_message_at: conversation.last_message_at.unwrap_or(p.joined_at),
            unread_message_count: me.unread_message_count,
            is_unread: me.is_unread(),
            access: p.access,
            notify: p.notify,
            read_until: p.read_until.unwrap_or(0),
            everyone_read_until: everyone_read_until(participants),
            has_messages: conversation.last_message_at.is_some(),
        }
    }
}

/// The smallest `read_until` over the participants (0 if anyone never read);
/// the rule lives with the other read-state rules.
pub use crate::read_state::everyone_read_until;

/// One entry of a user's conversation list.
#[derive(Debug, Clone, PartialEq)]
pub struct UserConversation {
    pub view: ConversationView,
    pub me: ParticipantState,
}

impl UserConversation {
    /// The list's sort key: the later of the last message and joining.
    pub fn last_activity_at(&self) -> i64 {
        crate::read_state::activity(self.me.participant.joined_at, self.view.conversation.last_message_at)
    }
}

// ---------------------------------------------------------------- messages

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MessageType {
    UserMessage,
    SystemMessage,
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::UserMessage => "UserMessage",
            MessageType::SystemMessage => "SystemMessage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "UserMessage" => Some(MessageType::UserMessage),
            "SystemMessage" => Some(MessageType::SystemMessage),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    Web,
    Rest,
    Email,
    Import,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Web => "web",
            Origin::Rest => "rest",
            Origin::Email => "email",
            Origin::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(Origin::Web),
            "rest" => Some(Origin::Rest),
            "email" => Some(Origin::Email),
            "import" => Some(Origin::Import),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reaction {
    pub emoji: String,
    /// Who reacted, oldest first, with when.
    pub users: Vec<(String, i64)>,
    /// When this emoji was first added to the message.
    pub created_at: i64,
}

impl Reaction {
    pub fn has(&self, user_id: &str) -> bool {
        self.users.iter().any(|(u, _)| u == user_id)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub kind: MessageType,
    pub sender_id: Option<String>,
    pub content: Vec<ContentBlock>,
    pub custom: Custom,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub referenced_message_id: Option<String>,
    pub origin: Origin,
    /// Reactions in the order each emoji was first added.
    pub reactions: Vec<Reaction>,
    /// Participants (not the sender) who have read this message.
    pub read_by: Vec<String>,
}

/// Where a new message's content comes from before the store resolves it.
#[derive(Debug, Clone, PartialEq)]
pub enum NewContent {
    /// Already structured (parsed text, location, or client-built content).
    Blocks(Vec<ContentBlock>),
    /// An uploaded file, by token, plus optional text blocks to prepend.
    File { token: String },
}

/// A message to append, validated for shape; the store checks references.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub kind: MessageType,
    pub sender_id: Option<String>,
    pub content: NewContent,
    pub custom: Custom,
    pub referenced_message_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub origin: Origin,
    /// Import only: the original creation time.
    pub created_at: Option<i64>,
    /// Import only: who had read it.
    pub read_by: Vec<String>,
    /// The sender must have `ReadWrite` access (a user sending for
    /// themselves), checked in the append's own transaction.
    pub needs_write_access: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessagePatch {
    pub content: Option<Vec<ContentBlock>>,
    pub custom: CustomPatch,
}

// ---------------------------------------------------------------- files

#[derive(Debug, Clone, PartialEq)]
pub struct FileRecord {
    pub token: String,
    pub filename: String,
    pub size: u64,
    pub content_type: String,
    pub subtype: Option<crate::content::FileSubtype>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration: Option<f64>,
    /// Who uploaded it: a user id, or `None` for the app itself.
    pub uploaded_by: Option<String>,
    pub created_at: i64,
}

// ---------------------------------------------------------------- paging

/// A keyset page request: up to `limit` items after the item with id `starting_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub starting_after: Option<String>,
}

impl Page {
    pub fn new(limit: Option<usize>, starting_after: Option<String>) -> CoreResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(CoreError::invalid(format!("limit must be between 1 and {MAX_PAGE_LIMIT}.")));
        }
        Ok(Page { limit, starting_after })
    }
}

/// What a deletion removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Removal {
    /// Whether there was anything to delete.
    pub existed: bool,
    /// Files that no message holds any more; their records went with the
    /// deletion, and their bytes go next.
    pub files: Vec<String>,
}

/// Filters for a user's conversation list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserConversationQuery {
    pub unreads_only: bool,
    pub last_message_before: Option<i64>,
    pub last_message_after: Option<i64>,
}

/// Filters for the app-wide conversation list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationQuery {
    pub last_message_before: Option<i64>,
    pub last_message_after: Option<i64>,
}
