// @chinwag/core: the Data API of TalkJS's @talkjs/core, written for Chinwag.
export { oneOnOneId } from "./oneOnOneId.js";
