import { isTyping } from "./Shortcuts";

describe("keyboard shortcuts", () => {
  it("leave keys alone while a person types into a field", () => {
    expect(isTyping(document.createElement("input"))).toBe(true);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(document.createElement("select"))).toBe(true);
  });

  it("apply anywhere else", () => {
    expect(isTyping(document.createElement("button"))).toBe(false);
    expect(isTyping(document.body)).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
