//! The one error type of the domain. Every failure carries a stable,
//! machine-readable code and human reasons; the server maps the code's
//! [`ErrorKind`] to a status exactly once.

use std::fmt;

/// What class of failure this is. The transport decides the status from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Internal,
}

/// Stable error codes, as they appear in `errorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidJson,
    InvalidId,
    InvalidCustom,
    InvalidContent,
    LimitExceeded,
    PayloadTooLarge,
    RequestTimeout,
    Unauthorized,
    UnauthorizedToEdit,
    UnauthorizedToEditParticipant,
    Forbidden,
    AppNotFound,
    UserNotFound,
    ConversationNotFound,
    MessageNotFound,
    ParticipantNotFound,
    NotAParticipant,
    FileNotFound,
    NotFound,
    MethodNotAllowed,
    AlreadyExists,
    TooManyReactions,
    RateLimited,
    TooManyConnections,
    NotConfigured,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::InvalidId => "INVALID_ID",
            ErrorCode::InvalidCustom => "INVALID_CUSTOM",
            ErrorCode::InvalidContent => "INVALID_CONTENT",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::UnauthorizedToEdit => "UNAUTHORIZED_TO_EDIT",
            ErrorCode::UnauthorizedToEditParticipant => "UNAUTHORIZED_TO_EDIT_PARTICIPANT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::AppNotFound => "APP_NOT_FOUND",
            ErrorCode::UserNotFound => "USER_NOT_FOUND",
            ErrorCode::ConversationNotFound => "CONVERSATION_NOT_FOUND",
            ErrorCode::MessageNotFound => "MESSAGE_NOT_FOUND",
            ErrorCode::ParticipantNotFound => "PARTICIPANT_NOT_FOUND",
            ErrorCode::NotAParticipant => "NOT_A_PARTICIPANT",
            ErrorCode::FileNotFound => "FILE_NOT_FOUND",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::AlreadyExists => "ALREADY_EXISTS",
            ErrorCode::TooManyReactions => "TOO_MANY_REACTIONS",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::TooManyConnections => "TOO_MANY_CONNECTIONS",
            ErrorCode::NotConfigured => "NOT_CONFIGURED",
            ErrorCode::Internal => "INTERNAL_ERROR",
        }
    }

    pub fn kind(self) -> ErrorKind {
        use ErrorCode::*;
        match self {
            InvalidRequest | InvalidJson | InvalidId | InvalidCustom | InvalidContent | LimitExceeded
            | PayloadTooLarge | RequestTimeout | TooManyReactions | NotConfigured => ErrorKind::BadRequest,
            Unauthorized => ErrorKind::Unauthorized,
            UnauthorizedToEdit | UnauthorizedToEditParticipant | Forbidden | NotAParticipant => ErrorKind::Forbidden,
            AppNotFound | UserNotFound | ConversationNotFound | MessageNotFound | ParticipantNotFound
            | FileNotFound | NotFound => ErrorKind::NotFound,
            MethodNotAllowed => ErrorKind::BadRequest,
            AlreadyExists => ErrorKind::Conflict,
            RateLimited | TooManyConnections => ErrorKind::RateLimited,
            Internal => ErrorKind::Internal,
        }
    }
}

/// A domain failure. `reasons` are safe to show to the caller; for internal
/// errors they are replaced by a generic sentence and `detail` goes to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    pub code: ErrorCode,
    pub reasons: Vec<String>,
    /// Internal detail for logs only; never sent to a client.
    pub detail: Option<String>,
}

pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        CoreError { code, reasons: vec![reason.into()], detail: None }
    }

    pub fn with_reasons(code: ErrorCode, reasons: Vec<String>) -> Self {
        CoreError { code, reasons, detail: None }
    }

    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, reason)
    }

    pub fn limit(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::LimitExceeded, reason)
    }

    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, reason)
    }

    /// An unexpected failure (I/O, database, bug). The detail is logged, never shown.
    pub fn internal(detail: impl fmt::Display) -> Self {
        CoreError {
            code: ErrorCode::Internal,
            reasons: vec!["An internal error occurred.".to_owned()],
            detail: Some(detail.to_string()),
        }
    }

    pub fn conversation_not_found(id: &str) -> Self {
        Self::new(ErrorCode::ConversationNotFound, format!("Conversation '{id}' does not exist."))
    }

    pub fn user_not_found(id: &str) -> Self {
        Self::new(ErrorCode::UserNotFound, format!("User '{id}' does not exist."))
    }

    pub fn message_not_found(id: &str) -> Self {
        Self::new(ErrorCode::MessageNotFound, format!("Message '{id}' does not exist in this conversation."))
    }

    pub fn not_a_participant(conversation: &str) -> Self {
        Self::new(ErrorCode::NotAParticipant, format!("You are not a participant of conversation '{conversation}'."))
    }

    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, reason)
    }

    pub fn participant_not_found(user: &str, conversation: &str) -> Self {
        Self::new(
            ErrorCode::ParticipantNotFound,
            format!("User '{user}' is not a participant of conversation '{conversation}'."),
        )
    }

    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.reasons.join("; "))?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CoreError {}
