import { adviceFor, describeTest, relativeTime, tryAgainIn } from "./words";

describe("test results in words", () => {
  it("say what failed by the error kind, with the server's message and what to do", () => {
    const outcome = describeTest({ ok: false, error: "AUTHENTICATE failed.", errorKind: "auth" }, "works");
    expect(outcome.ok).toBe(false);
    expect(outcome.headline).toBe("Authentication failed");
    expect(outcome.detail).toContain("AUTHENTICATE failed.");
    expect(outcome.detail).toContain("username and the password");
  });

  it.each([
    ["dns", "Name lookup failed"],
    ["connect", "Connection refused"],
    ["tls", "TLS/certificate problem"],
    ["timeout", "Timed out"],
    ["protocol", "The server answered unexpectedly"],
  ])("name a %s failure", (kind, headline) => {
    expect(describeTest({ ok: false, error: "x", errorKind: kind }, "").headline).toBe(headline);
  });

  it("keep the server's message when the kind is unknown", () => {
    const outcome = describeTest({ ok: false, error: "Something new", errorKind: "martian" }, "");
    expect(outcome.headline).toBe("It did not work");
    expect(outcome.detail).toBe("Something new");
  });

  it("use the success sentence when it worked", () => {
    expect(describeTest({ ok: true, error: null, errorKind: null }, "Connection works.")).toEqual({ ok: true, headline: "Connection works.", detail: null });
  });

  it("advise on a mailbox error by its kind, and generally when there is none", () => {
    expect(adviceFor("dns")).toContain("server name");
    expect(adviceFor(null)).toContain("test the connection");
  });
});

describe("times", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  it("say how long ago", () => {
    expect(relativeTime("2026-03-01T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-03-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(relativeTime("2026-03-01T09:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-02-27T12:00:00Z", now)).toBe("2 days ago");
  });

  it("say when to try signing in again", () => {
    expect(tryAgainIn(1)).toBe("Try again in 1 second.");
    expect(tryAgainIn(30)).toBe("Try again in 30 seconds.");
    expect(tryAgainIn(61)).toBe("Try again in 2 minutes.");
    expect(tryAgainIn(300)).toBe("Try again in 5 minutes.");
  });
});
