import { describe, expect, it } from "vitest";

import { endpoints } from "../src/urls.js";

describe("endpoints", () => {
  it("guesses the scheme from a bare host, as TalkJS's client does", () => {
    expect(endpoints("127.0.0.1:8080").realtime).toBe("ws://127.0.0.1:8080/public_api/v1");
    expect(endpoints("localhost:8080").rest).toBe("http://localhost:8080/public_api/v1");
    expect(endpoints("chat.example.com").realtime).toBe("wss://chat.example.com/public_api/v1");
    expect(endpoints("chat.example.com").internal).toBe("https://chat.example.com/api/v0");
  });

  it("takes the scheme from a full origin", () => {
    expect(endpoints("http://chat.internal:8080").realtime).toBe("ws://chat.internal:8080/public_api/v1");
    expect(endpoints("http://chat.internal:8080/").rest).toBe("http://chat.internal:8080/public_api/v1");
    expect(endpoints("https://127.0.0.1:8443").realtime).toBe("wss://127.0.0.1:8443/public_api/v1");
    expect(endpoints("HTTPS://Chat.Example.com").internal).toBe("https://Chat.Example.com/api/v0");
  });
});
