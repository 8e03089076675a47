// A React app on Chinwag: the Inbox as a component, and a hook-driven
// unread counter beside it. Built by the UI tests (test/e2e/react.test.js);
// in your app, import from "@chinwag/core" and "@chinwag/ui/react".

import { getTalkSession, type TalkSession } from "@chinwag/core";
import { useMemo, useState } from "react";
import { createRoot } from "react-dom/client";

import { Chatbox, Inbox, useConversations } from "../../src/react/index.js";

function UnreadCount({ session }: { session: TalkSession }) {
  // Re-renders only when the list snapshot changes (snapshots are reused when nothing changed).
  const unread = useConversations(session, { isUnread: true, hasMessages: true });
  return <p id="unread">Unread conversations: {unread === undefined ? "…" : unread.length}</p>;
}

function App({
  appId,
  userId,
  host,
  conversationId,
}: {
  appId: string;
  userId: string;
  host: string;
  conversationId: string;
}) {
  const session = useMemo(() => getTalkSession({ appId, userId, host }), [appId, userId, host]);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <main style={{ display: "grid", gap: 12, padding: 16 }}>
      <UnreadCount session={session} />
      <p id="selected">Selected: {selected ?? "none"}</p>
      <Inbox session={session} style={{ height: 420 }} onConversationSelected={setSelected} />
      <h2>The same conversation as a Chatbox</h2>
      <Chatbox
        session={session}
        conversationId={conversationId}
        theme="dark"
        style={{ height: 360, display: "block" }}
      />
    </main>
  );
}

const params = new URLSearchParams(location.search);
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <App
      appId={params.get("appId") ?? "dev"}
      userId={params.get("userId") ?? "alice"}
      host={params.get("host") ?? location.host}
      conversationId={params.get("conversationId") ?? "general"}
    />,
  );
}
