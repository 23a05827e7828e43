import { safeNext } from "./session";

describe("the page after signing in", () => {
  it("is the page that was asked for", () => {
    expect(safeNext("/profile/mail")).toBe("/profile/mail");
    expect(safeNext("/inbox/a1/m2?x=1")).toBe("/inbox/a1/m2?x=1");
  });

  it("is never another site nor the sign-in page itself", () => {
    expect(safeNext("https://evil.example/")).toBe("/inbox");
    expect(safeNext("//evil.example/")).toBe("/inbox");
    expect(safeNext("/\\evil.example")).toBe("/inbox");
    expect(safeNext("/login?next=/x")).toBe("/inbox");
    expect(safeNext(null)).toBe("/inbox");
  });
});
