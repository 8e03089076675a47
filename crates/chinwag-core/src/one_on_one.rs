//! `Talk.oneOnOneId`: the conversation id TalkJS derives for two users.
//! SHA-1 of the compact JSON array of the two ids, sorted as JavaScript sorts
//! strings (by UTF-16 code units), as lowercase hex, cut to 20 characters.

use sha1::{Digest, Sha1};

pub fn one_on_one_id(a: &str, b: &str) -> String {
    let (first, second) = if utf16_cmp(a, b).is_le() { (a, b) } else { (b, a) };
    let mut json = String::with_capacity(a.len() + b.len() + 8);
    json.push('[');
    push_json_string(&mut json, first);
    json.push(',');
    push_json_string(&mut json, second);
    json.push(']');
    let digest = Sha1::digest(json.as_bytes());
    let mut hex = hex::encode(digest);
    hex.truncate(20);
    hex
}

fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Escapes as `JSON.stringify` does: only `"`, `\` and control characters.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::one_on_one_id;

    #[test]
    fn official_vector() {
        assert_eq!(one_on_one_id("1234", "abcd"), "35ec37e6e0ca43ac8ccc");
        assert_eq!(one_on_one_id("abcd", "1234"), "35ec37e6e0ca43ac8ccc");
        assert_eq!(one_on_one_id("a", "b"), "d12e223825a919e00efd");
        assert_eq!(one_on_one_id("alice", "bob"), "4714b845b86fbe0ed913");
    }
}
