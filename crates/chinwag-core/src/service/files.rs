//! File uploads and access-checked downloads.

use super::{Principal, Services};
use crate::content::FileSubtype;
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::new_file_token;
use crate::limits::{MAX_FILE_BYTES, MAX_FILENAME_BYTES, MAX_SHORT_TEXT_BYTES};
use crate::model::FileRecord;

#[derive(Debug, Clone, PartialEq)]
pub struct FileUpload {
    pub filename: String,
    pub content_type: String,
    pub subtype: Option<FileSubtype>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration: Option<f64>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileDownload {
    pub record: FileRecord,
    pub bytes: Vec<u8>,
}

impl Services {
    pub async fn upload_file(&self, app_id: &str, by: &Principal, upload: FileUpload) -> CoreResult<FileRecord> {
        let name = upload.filename.trim();
        if name.is_empty()
            || name.len() > MAX_FILENAME_BYTES
            || name.chars().any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(CoreError::invalid(format!(
                "filename must be 1 to {MAX_FILENAME_BYTES} bytes, without control characters or slashes."
            )));
        }
        if upload.bytes.is_empty() {
            return Err(CoreError::invalid("The file is empty."));
        }
        if upload.bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(CoreError::new(
                ErrorCode::PayloadTooLarge,
                format!("Files are limited to {MAX_FILE_BYTES} bytes."),
            ));
        }
        if upload.content_type.len() > MAX_SHORT_TEXT_BYTES {
            return Err(CoreError::invalid("The content type is too long."));
        }
        if let Some(d) = upload.duration
            && !(d.is_finite() && d >= 0.0)
        {
            return Err(CoreError::invalid("duration must be a non-negative number of seconds."));
        }
        let now = self.now();
        let record = FileRecord {
            token: new_file_token(now),
            filename: name.to_owned(),
            size: upload.bytes.len() as u64,
            content_type: upload.content_type,
            subtype: upload.subtype,
            width: upload.width,
            height: upload.height,
            duration: upload.duration,
            uploaded_by: match by {
                Principal::App => None,
                Principal::User(u) => Some(u.clone()),
            },
            created_at: now,
        };
        // Bytes first: a record must never point at a missing file.
        self.files.put(app_id, &record.token, &upload.bytes).await?;
        if let Err(e) = self.store.insert_file(app_id, record.clone()).await {
            let _ = self.files.delete(app_id, &record.token).await;
            return Err(e);
        }
        Ok(record)
    }

    /// Fetches a file for `viewer`: the app sees everything; a user sees files
    /// they uploaded or that sit in a conversation they take part in.
    pub async fn download_file(&self, app_id: &str, token: &str, viewer: &Principal) -> CoreResult<FileDownload> {
        let not_found = || CoreError::new(ErrorCode::FileNotFound, "No such file, or you may not read it.");
        let record = self.store.get_file(app_id, token).await?.ok_or_else(not_found)?;
        if let Principal::User(user) = viewer
            && record.uploaded_by.as_deref() != Some(user.as_str())
            && !self.store.user_can_read_file(app_id, token, user).await?
        {
            return Err(not_found());
        }
        let bytes = self.files.get(app_id, token).await?.ok_or_else(not_found)?;
        Ok(FileDownload { record, bytes })
    }
}

/// Uploads expired per sweep transaction (the sweep goes on until none is left).
const EXPIRE_BATCH: usize = 500;

impl Services {
    /// Deletes the bytes of files whose records are gone. A failure is only
    /// logged: the record is gone, so nobody can reach the bytes any more.
    pub(crate) async fn remove_file_bytes(&self, app_id: &str, tokens: &[String]) {
        for token in tokens {
            if let Err(e) = self.files.delete(app_id, token).await {
                tracing::warn!(error = %e, token, "cannot delete the bytes of a removed file");
            }
        }
    }

    /// Deletes uploads older than `ttl_ms` that were never attached to a
    /// message, records and bytes. Answers how many went.
    pub async fn expire_uploads(&self, ttl_ms: i64) -> CoreResult<usize> {
        let cutoff = self.now().saturating_sub(ttl_ms);
        let mut total = 0;
        loop {
            let expired = self.store.expire_uploads(cutoff, EXPIRE_BATCH).await?;
            for (app_id, token) in &expired {
                self.remove_file_bytes(app_id, std::slice::from_ref(token)).await;
            }
            total += expired.len();
            if expired.len() < EXPIRE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Who a signed download link was made for, if its signature holds and it
    /// has not expired.
    pub fn principal_from_file_link(
        &self,
        app_id: &str,
        token: &str,
        viewer: &str,
        expires_ms: i64,
        signature: &str,
    ) -> CoreResult<Principal> {
        if !self.links.verify(app_id, token, viewer, expires_ms, signature, self.now()) {
            return Err(CoreError::unauthorized("This file link is invalid or has expired."));
        }
        Ok(if viewer.is_empty() { Principal::App } else { Principal::User(viewer.to_owned()) })
    }
}
