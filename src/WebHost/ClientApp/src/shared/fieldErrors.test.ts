import { errorsFor, normaliseKey, sentence, unclaimedErrors } from "./fieldErrors";

describe("field errors of a 400", () => {
  it("belong to their field by the API's key", () => {
    const errors = { "imap.port": ["must be between 1 and 65535"], "imap.server": ["is required to sync mail"] };
    expect(errorsFor(errors, "imap.port")).toEqual(["must be between 1 and 65535"]);
    expect(errorsFor(errors, "smtp.port")).toEqual([]);
  });

  it("collect indexed keys under their list field in line order", () => {
    const errors = {
      "tracking.denyList[10]": ["line 11: 'b@' is not an address or a domain"],
      "tracking.denyList[2]": ["line 3: 'a@' is not an address or a domain"],
    };
    expect(errorsFor(errors, "tracking.denyList")).toEqual([
      "line 3: 'a@' is not an address or a domain",
      "line 11: 'b@' is not an address or a domain",
    ]);
  });

  it("do not mix up fields that share a prefix", () => {
    expect(errorsFor({ "smtp.serverName": ["x"] }, "smtp.server")).toEqual([]);
  });

  it("read JSON binding keys such as $.Imap.Port as the field they name", () => {
    expect(normaliseKey("$.Imap.Port")).toBe("imap.port");
    expect(errorsFor({ "$.imap.port": ["is not a number"] }, "imap.port")).toEqual(["is not a number"]);
  });

  it("that match no field are kept, named, for the top of the form", () => {
    const errors = { "imap.port": ["bad"], "tracking.unknown": ["odd"], "": ["The body is not JSON"] };
    expect(unclaimedErrors(errors, ["imap.port"])).toEqual(["tracking.unknown: odd", "The body is not JSON"]);
  });

  it("start with a capital letter beside a field", () => {
    expect(sentence("is required")).toBe("Is required");
    expect(sentence("")).toBe("");
  });
});
