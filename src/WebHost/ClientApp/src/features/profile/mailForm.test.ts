import type { MailSettings } from "../../api/types";
import { denyListErrors, denyListLines, toForm, toRequest } from "./mailForm";

const saved: MailSettings = {
  tracking: { enabled: true, process: "unread", historicFrom: "2026-01-15", markAsRead: true, denyList: ["spam.example", "x@y.example"] },
  access: { adminIds: ["a1"] },
  credentials: { username: "alice", hasPassword: true },
  imap: { server: "imap.example.com", port: 993, security: "ssl", dontValidateCertificate: false, sentFolder: "Sent" },
  smtp: { enabled: true, replyTo: null, useSystem: false, server: "smtp.example.com", port: 587, security: "starttls", auth: "plain", dontValidateCertificate: false },
};

describe("the mail settings form", () => {
  it("round-trips saved settings, keeping the saved password when none is typed", () => {
    const request = toRequest(toForm(saved));
    expect(request.credentials).toEqual({ username: "alice", password: null });
    expect(request.tracking).toEqual(saved.tracking);
    expect(request.imap).toEqual(saved.imap);
    expect(request.smtp).toEqual(saved.smtp);
    expect(request.access).toEqual(saved.access);
  });

  it("sends a typed password and trims the server and username", () => {
    const form = { ...toForm(saved), password: " secret ", imapServer: "  imap.example.net ", username: " bob " };
    const request = toRequest(form);
    expect(request.credentials).toEqual({ username: "bob", password: " secret " });
    expect(request.imap.server).toBe("imap.example.net");
  });

  it("sends no historic date when historic processing is off", () => {
    expect(toRequest({ ...toForm(saved), historic: false }).tracking.historicFrom).toBeNull();
  });

  it("sends a port that is not a number as 0 so that the server names the field", () => {
    expect(toRequest({ ...toForm(saved), imapPort: "99a" }).imap.port).toBe(0);
    expect(toRequest({ ...toForm(saved), smtpPort: " 465 " }).smtp.port).toBe(465);
  });

  it("leaves blank deny-list lines out", () => {
    expect(denyListLines("a.example\n\n  \nb@c.example\n")).toEqual({ entries: ["a.example", "b@c.example"], lineOf: [1, 4] });
  });

  it("names the text area's line in a deny-list error, not the index sent", () => {
    const form = { ...toForm(saved), denyList: "ok.example\n\nfoo@\n" };
    const errors = { "tracking.denyList[1]": ["line 2: 'foo@' is not an address or a domain"] };
    expect(denyListErrors(errors, form)).toEqual(["line 3: 'foo@' is not an address or a domain"]);
  });
});
