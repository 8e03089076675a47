// Built-in strings and date formats. A UI takes a `locale` (a BCP 47 tag);
// strings come from the closest built-in language (English or German), and
// dates and times are formatted by the browser's Intl for that exact locale.

import type { TypingSnapshot } from "@chinwag/core";

export interface Strings {
  /** The `lang` of these strings. */
  readonly lang: string;
  readonly conversations: string;
  readonly searchConversations: string;
  readonly noConversations: string;
  readonly noResults: string;
  readonly selectConversation: string;
  readonly loading: string;
  readonly loadingOlder: string;
  readonly messagePlaceholder: string;
  readonly messageField: string;
  readonly send: string;
  readonly attachFile: string;
  readonly uploading: (percent: number | null) => string;
  readonly uploadFailed: (reason: string) => string;
  readonly sendFailed: (reason: string) => string;
  readonly readOnly: string;
  readonly back: string;
  readonly close: string;
  readonly openChat: string;
  readonly unread: (count: number) => string;
  readonly online: string;
  readonly offline: string;
  readonly today: string;
  readonly yesterday: string;
  readonly edited: string;
  readonly deletedConfirm: string;
  readonly reply: string;
  readonly replyingTo: (name: string) => string;
  readonly cancelReply: string;
  readonly edit: string;
  readonly editing: string;
  readonly cancelEdit: string;
  readonly save: string;
  readonly delete: string;
  readonly react: string;
  readonly reactWith: (emoji: string) => string;
  readonly reactionCount: (emoji: string, count: number, mine: boolean) => string;
  readonly messageActions: string;
  readonly sent: string;
  readonly read: string;
  readonly you: string;
  readonly system: string;
  readonly location: string;
  readonly download: (filename: string, size: string) => string;
  readonly voiceMessage: string;
  readonly attachment: string;
  readonly participants: (count: number) => string;
  readonly typing: (snapshot: TypingSnapshot | null) => string;
  readonly messages: string;
  readonly notFound: string;
  readonly disconnected: string;
}

/** Names joined as seed 004's `formatTyping` does: "A", "A and B", "A, B and C". */
function joinNames(names: string[], and: string): string {
  if (names.length <= 1) return names.join("");
  if (names.length === 2) return `${names[0]} ${and} ${names[1]}`;
  return `${names.slice(0, -1).join(", ")} ${and} ${names[names.length - 1]}`;
}

export const en: Strings = {
  lang: "en",
  conversations: "Conversations",
  searchConversations: "Search conversations",
  noConversations: "No chats yet",
  noResults: "No conversations match",
  selectConversation: "Select a conversation",
  loading: "Loading…",
  loadingOlder: "Loading older messages…",
  messagePlaceholder: "Say something…",
  messageField: "Message",
  send: "Send",
  attachFile: "Attach a file",
  uploading: (p) => (p === null ? "Uploading…" : `Uploading… ${p}%`),
  uploadFailed: (r) => `Upload failed: ${r}`,
  sendFailed: (r) => `Not sent: ${r}`,
  readOnly: "You can read this conversation but not write in it.",
  back: "Back to the conversations",
  close: "Close",
  openChat: "Open chat",
  unread: (n) => (n === 1 ? "1 unread message" : `${n} unread messages`),
  online: "Online",
  offline: "Offline",
  today: "Today",
  yesterday: "Yesterday",
  edited: "edited",
  deletedConfirm: "Delete this message?",
  reply: "Reply",
  replyingTo: (name) => `Replying to ${name}`,
  cancelReply: "Cancel reply",
  edit: "Edit",
  editing: "Editing message",
  cancelEdit: "Cancel editing",
  save: "Save",
  delete: "Delete",
  react: "Add a reaction",
  reactWith: (e) => `React with ${e}`,
  reactionCount: (e, n, mine) => `${e} ${n}${mine ? ", including you" : ""}`,
  messageActions: "Message actions",
  sent: "Sent",
  read: "Read",
  you: "You",
  system: "System message",
  location: "Location",
  download: (f, s) => `Download ${f} (${s})`,
  voiceMessage: "Voice message",
  attachment: "Attachment",
  participants: (n) => (n === 1 ? "1 participant" : `${n} participants`),
  typing: (s) => {
    if (!s) return "";
    if (s.many) return "Several people are typing";
    const names = s.users.map((u) => u.name);
    if (names.length === 0) return "";
    return `${joinNames(names, "and")} ${names.length === 1 ? "is" : "are"} typing`;
  },
  messages: "Messages",
  notFound: "This conversation does not exist, or you are not in it.",
  disconnected: "Reconnecting…",
};

export const de: Strings = {
  lang: "de",
  conversations: "Unterhaltungen",
  searchConversations: "Unterhaltungen durchsuchen",
  noConversations: "Noch keine Chats",
  noResults: "Keine passenden Unterhaltungen",
  selectConversation: "Wähle eine Unterhaltung",
  loading: "Wird geladen…",
  loadingOlder: "Ältere Nachrichten werden geladen…",
  messagePlaceholder: "Schreib etwas…",
  messageField: "Nachricht",
  send: "Senden",
  attachFile: "Datei anhängen",
  uploading: (p) => (p === null ? "Wird hochgeladen…" : `Wird hochgeladen… ${p} %`),
  uploadFailed: (r) => `Hochladen fehlgeschlagen: ${r}`,
  sendFailed: (r) => `Nicht gesendet: ${r}`,
  readOnly: "Du kannst diese Unterhaltung lesen, aber nicht schreiben.",
  back: "Zurück zu den Unterhaltungen",
  close: "Schließen",
  openChat: "Chat öffnen",
  unread: (n) => (n === 1 ? "1 ungelesene Nachricht" : `${n} ungelesene Nachrichten`),
  online: "Online",
  offline: "Offline",
  today: "Heute",
  yesterday: "Gestern",
  edited: "bearbeitet",
  deletedConfirm: "Diese Nachricht löschen?",
  reply: "Antworten",
  replyingTo: (name) => `Antwort an ${name}`,
  cancelReply: "Antwort abbrechen",
  edit: "Bearbeiten",
  editing: "Nachricht bearbeiten",
  cancelEdit: "Bearbeiten abbrechen",
  save: "Speichern",
  delete: "Löschen",
  react: "Reaktion hinzufügen",
  reactWith: (e) => `Mit ${e} reagieren`,
  reactionCount: (e, n, mine) => `${e} ${n}${mine ? ", auch von dir" : ""}`,
  messageActions: "Aktionen zur Nachricht",
  sent: "Gesendet",
  read: "Gelesen",
  you: "Du",
  system: "Systemnachricht",
  location: "Standort",
  download: (f, s) => `${f} herunterladen (${s})`,
  voiceMessage: "Sprachnachricht",
  attachment: "Anhang",
  participants: (n) => (n === 1 ? "1 Teilnehmer" : `${n} Teilnehmer`),
  typing: (s) => {
    if (!s) return "";
    if (s.many) return "Mehrere Personen schreiben";
    const names = s.users.map((u) => u.name);
    if (names.length === 0) return "";
    return `${joinNames(names, "und")} ${names.length === 1 ? "schreibt" : "schreiben"}`;
  },
  messages: "Nachrichten",
  notFound: "Diese Unterhaltung gibt es nicht, oder du bist nicht dabei.",
  disconnected: "Verbindung wird wiederhergestellt…",
};

const BUILT_IN: Record<string, Strings> = { en, de };

/** The UI's language and formats for a locale such as `"de-AT"`; English when it has no strings for it. */
export class Locale {
  readonly tag: string;
  readonly strings: Strings;
  readonly #time: Intl.DateTimeFormat;
  readonly #day: Intl.DateTimeFormat;
  readonly #dayWithYear: Intl.DateTimeFormat;
  readonly #number: Intl.NumberFormat;

  constructor(tag?: string | null) {
    let resolved = "en";
    try {
      resolved =
        Intl.getCanonicalLocales(tag || (typeof navigator !== "undefined" ? navigator.language : "en"))[0] ?? "en";
    } catch {
      // An invalid tag falls back to English rather than breaking the UI.
    }
    this.tag = resolved;
    this.strings = BUILT_IN[resolved.split("-")[0]?.toLowerCase() ?? "en"] ?? en;
    this.#time = new Intl.DateTimeFormat(resolved, { hour: "numeric", minute: "2-digit" });
    this.#day = new Intl.DateTimeFormat(resolved, { weekday: "long", day: "numeric", month: "long" });
    this.#dayWithYear = new Intl.DateTimeFormat(resolved, { day: "numeric", month: "long", year: "numeric" });
    this.#number = new Intl.NumberFormat(resolved, { maximumFractionDigits: 1 });
  }

  time(ts: number): string {
    return this.#time.format(ts);
  }

  /** "Today", "Yesterday", "Monday 3 March", or a date with its year when not this year. */
  day(ts: number, now = Date.now()): string {
    const d = startOfDay(ts);
    const today = startOfDay(now);
    if (d === today) return this.strings.today;
    if (today - d === 1) return this.strings.yesterday;
    return new Date(ts).getFullYear() === new Date(now).getFullYear()
      ? this.#day.format(ts)
      : this.#dayWithYear.format(ts);
  }

  /** A short stamp for a conversation list: the time today, else the date. */
  stamp(ts: number, now = Date.now()): string {
    return startOfDay(ts) === startOfDay(now) ? this.time(ts) : this.#dayWithYear.format(ts);
  }

  bytes(n: number): string {
    const units = ["B", "KB", "MB", "GB"];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${this.#number.format(v)} ${units[i]}`;
  }
}

/** Days since the epoch in local time, so that two stamps can be compared by calendar day. */
export function startOfDay(ts: number): number {
  const d = new Date(ts);
  return Math.round(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 86_400_000);
}
