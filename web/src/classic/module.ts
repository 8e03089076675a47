// `import Talk from "@chinwag/ui/talk"`: the classic API for bundlers. The
// server is the page's own origin unless a session is given `host`.

import { api, type TalkApi } from "./talk.js";

const Talk: TalkApi = { ...api, ready: Promise.resolve() };

export default Talk;
