// Idempotency keys for sends: 8 characters of the time in ms, then 12
// random ones, from the 64 characters `-0-9A-Z_a-z` (in ASCII order, so keys
// sort by time). A send retried after a dropped connection carries the same
// key, and the server stores the message once.

const ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

export function idempotencyKey(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 8; i++) {
    time = ALPHABET[t % 64] + time;
    t = Math.floor(t / 64);
  }
  const random = new Uint8Array(12);
  globalThis.crypto.getRandomValues(random);
  let tail = "";
  for (const b of random) tail += ALPHABET[b & 63];
  return time + tail;
}
