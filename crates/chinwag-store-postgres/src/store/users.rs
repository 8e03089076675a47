//! Users: upserts (all or nothing) and pages.

use super::*;

/// Each user is locked (or created) before its patch is applied, so two
/// nodes upserting one user at once answer as two upserts in a row: the
/// later one sees, and patches, what the earlier one wrote. A user created
/// by another transaction between our read and our insert makes the insert
/// do nothing; the user is then read again, locked, and patched.
pub(super) async fn upsert_users(
    tx: &Tx<'_>,
    app_id: &str,
    patches: &[(String, UserPatch)],
    now: i64,
) -> Res<Committed<Vec<User>>> {
    let mut out = Vec::with_capacity(patches.len());
    let mut events = Vec::with_capacity(patches.len());
    let mut reasons = Vec::new();
    for (id, patch) in patches {
        let (existing, user) = loop {
            let row = tx
                .query_opt(
                    "SELECT data, created_at FROM users WHERE app_id = $1 AND id = $2 FOR NO KEY UPDATE",
                    &[&app_id, id],
                )
                .await?;
            let existing = row.map(|r| decode_user(id.clone(), r.get(0), r.get(1))).transpose()?;
            let user = match patch.apply(id, existing.clone(), now) {
                Ok(user) => user,
                Err(e) => break (existing, Err(e)),
            };
            let data = encode_user(&user)?;
            if existing.is_some() {
                tx.execute("UPDATE users SET data = $3 WHERE app_id = $1 AND id = $2", &[&app_id, id, &data]).await?;
                break (existing, Ok(user));
            }
            let created = tx
                .execute(
                    "INSERT INTO users (app_id, id, data, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (app_id, id) DO NOTHING",
                    &[&app_id, id, &data, &user.created_at],
                )
                .await?;
            if created == 1 {
                break (existing, Ok(user));
            }
        };
        match user {
            Ok(user) => {
                events.extend(storage::user_event(app_id, existing, &user));
                out.push(user);
            }
            Err(e) => storage::user_batch_error(id, e, patches.len(), &mut reasons)?,
        }
    }
    if !reasons.is_empty() {
        return Err(CoreError::with_reasons(ErrorCode::InvalidRequest, reasons).into());
    }
    Ok(Committed { value: out, events })
}

pub(super) async fn get_users(tx: &Tx<'_>, app_id: &str, ids: &[String]) -> Res<Vec<User>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(load_user(tx, app_id, id).await?);
    }
    Ok(out)
}

pub(super) async fn list_users(tx: &Tx<'_>, app_id: &str, page: &Page) -> Res<Vec<User>> {
    let limit = page.limit as i64;
    let rows = tx
        .query(
            "SELECT id, data, created_at FROM users WHERE app_id = $1 AND ($2::text IS NULL OR id > $2)
             ORDER BY id LIMIT $3",
            &[&app_id, &page.starting_after, &limit],
        )
        .await?;
    Ok(rows.iter().map(|r| decode_user(r.get(0), r.get(1), r.get(2))).collect::<CoreResult<_>>()?)
}
