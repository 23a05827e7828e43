import { QueryClient } from "@tanstack/react-query";
import { describeRoute } from "./ComposeForm";
import { sendsKey } from "./api";
import { applyEmailStatus, emailOutcomeKey, type PendingSend } from "./live";
import { statusWords } from "./status";
import { parseAddresses } from "./addresses";
import { conflictWords } from "./CustomerForm";

describe("the words for a send", () => {
  it("give a failure the server's reason and say nothing was sent", () => {
    const words = statusWords("failed", "smtp.example refused the recipient: 554 Relay access denied");
    expect(words.label).toBe("Failed");
    expect(words.detail).toContain("554 Relay access denied");
    expect(words.detail).toContain("Nothing was sent");
  });

  it("tell what unknown means and what to do", () => {
    const words = statusWords("unknown", null);
    expect(words.detail).toMatch(/may or may not/);
    expect(words.detail).toMatch(/Sent folder/);
  });

  it("say which server is used, or why sending is off", () => {
    const smtp = { enabled: true, useSystem: false, server: "smtp.isp.test", replyTo: "desk@isp.test" };
    expect(describeRoute({ credentials: { username: "ann@isp.test" }, smtp }).words).toBe(
      "Sent through your own SMTP server (smtp.isp.test) as ann@isp.test. Replies go to desk@isp.test.",
    );
    expect(describeRoute({ credentials: { username: "ann" }, smtp: { ...smtp, useSystem: true } }).words).toMatch(/^Sent through the system SMTP server/);
    expect(describeRoute({ credentials: { username: "ann" }, smtp: { ...smtp, enabled: false } })).toEqual({
      ok: false,
      words: "Sending is turned off in your mail settings.",
    });
    expect(describeRoute({ credentials: { username: "ann" }, smtp: { ...smtp, server: null } }).ok).toBe(false);
  });
});

describe("an emailStatus push", () => {
  it("moves the pending send and keeps the outcome by id for whatever shows the email later", () => {
    const client = new QueryClient();
    const pending: PendingSend = { id: "7", status: "queued", error: null, customerId: "c1", to: "a@x.test", subject: "s", text: "t", inReplyToId: null, at: "" };
    client.setQueryData<PendingSend[]>(sendsKey("c1"), [pending]);
    applyEmailStatus(client, { customerId: "c1", id: "7", status: "failed", error: "refused" });
    expect(client.getQueryData<PendingSend[]>(sendsKey("c1"))?.[0]).toMatchObject({ status: "failed", error: "refused" });
    expect(client.getQueryData(emailOutcomeKey("7"))).toEqual({ id: "7", status: "failed", error: "refused" });
  });
});

describe("the Email addresses field", () => {
  it("reads one address a line, or separated by commas, without blanks or repeats", () => {
    expect(parseAddresses(" a@x.test\n\nb@x.test, A@x.test;c@x.test ")).toEqual(["a@x.test", "b@x.test", "c@x.test"]);
  });
});

describe("a 409 on the Email addresses field", () => {
  it("names the address and its holder in a sentence, without the holder's internal id", () => {
    expect(conflictWords("ann@x.test already belongs to Ann Lee (4197f1557e054213b4f1059925854197); an address can belong to one customer or lead only.")).toBe(
      "The address ann@x.test already belongs to Ann Lee; an address can belong to one customer or lead only.",
    );
  });
});
