import { mailboxStatus } from "../test/mailboxStatus";
import { laterStatus } from "./mailboxStatus";

const status = (state: string, asOf: string) => mailboxStatus({ state, asOf });

describe("the later of two statuses", () => {
  it("keeps what is shown when the arriving answer was read before it", () => {
    const idle = status("idle", "2026-12-03T10:00:00.200Z");
    expect(laterStatus(idle, status("syncing", "2026-12-03T10:00:00.100Z"))).toBe(idle);
  });

  it("takes the arriving status when it was read later or at the same time", () => {
    const idle = status("idle", "2026-12-03T10:00:00.200Z");
    expect(laterStatus(status("syncing", "2026-12-03T10:00:00.100Z"), idle)).toBe(idle);
    const again = status("idle", "2026-12-03T10:00:00.200Z");
    expect(laterStatus(idle, again)).toBe(again);
  });

  it("takes the arriving status when nothing is shown yet", () => {
    const idle = status("idle", "2026-12-03T10:00:00.200Z");
    expect(laterStatus(undefined, idle)).toBe(idle);
  });
});
