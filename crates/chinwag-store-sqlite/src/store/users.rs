//! Users: upserts (all or nothing) and pages.

use super::*;

pub(super) fn upsert_users(
    conn: &Connection,
    app_id: String,
    patches: Vec<(String, UserPatch)>,
    now: i64,
) -> CoreResult<Committed<Vec<User>>> {
    let mut out = Vec::with_capacity(patches.len());
    let mut events = Vec::with_capacity(patches.len());
    let mut reasons = Vec::new();
    for (id, patch) in &patches {
        let existing = load_user(conn, &app_id, id)?;
        let created = existing.is_none();
        match patch.apply(id, existing.clone(), now) {
            Ok(user) => {
                let data = encode_user(&user)?;
                if created {
                    conn.prepare_cached("INSERT INTO users (app_id, id, data, created_at) VALUES (?1, ?2, ?3, ?4)")
                        .map_err(db_err)?
                        .execute(params![app_id, id, data, user.created_at])
                        .map_err(db_err)?;
                } else {
                    conn.prepare_cached("UPDATE users SET data = ?3 WHERE app_id = ?1 AND id = ?2")
                        .map_err(db_err)?
                        .execute(params![app_id, id, data])
                        .map_err(db_err)?;
                }
                events.extend(storage::user_event(&app_id, existing, &user));
                out.push(user);
            }
            Err(e) => storage::user_batch_error(id, e, patches.len(), &mut reasons)?,
        }
    }
    if !reasons.is_empty() {
        return Err(CoreError::with_reasons(ErrorCode::InvalidRequest, reasons));
    }
    Ok(Committed { value: out, events })
}

pub(super) fn list_users(conn: &Connection, app_id: String, page: Page) -> CoreResult<Vec<User>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, data, created_at FROM users WHERE app_id = ?1 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![app_id, page.starting_after, page.limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })
        .map_err(db_err)?;
    rows.map(|r| r.map_err(db_err).and_then(|(id, data, at)| decode_user(id, &data, at))).collect()
}
