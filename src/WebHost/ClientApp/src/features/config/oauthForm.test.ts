import { describe, expect, it } from "vitest";
import type { OAuthApplication } from "../../api/types";
import { toOAuthForm, toOAuthRequest, withKind } from "./oauthForm";

const saved: OAuthApplication = {
  id: "a1",
  kind: "openIdConnect",
  displayName: "Staff SSO",
  tenant: null,
  authority: "https://login.isp.example/realms/staff",
  clientId: "splynx-mail",
  hasClientSecret: true,
  scopes: ["openid", "email", "offline_access"],
  effectiveScopes: ["openid", "email", "offline_access"],
};

describe("the OAuth application form", () => {
  it("keeps the saved secret by sending none when the field is left empty", () => {
    const request = toOAuthRequest(toOAuthForm(saved));
    expect(request.clientSecret).toBeNull();
    expect(request.authority).toBe("https://login.isp.example/realms/staff");
    expect(request.scopes).toEqual(["openid", "email", "offline_access"]);
  });

  it("reads scopes separated by lines or spaces and drops the field of another kind", () => {
    const form = { ...toOAuthForm(saved), kind: "microsoft" as const, tenant: " isp.example ", scopes: "openid  email\n\noffline_access ", clientSecret: "s3cret" };
    const request = toOAuthRequest(form);
    expect(request).toMatchObject({ kind: "microsoft", tenant: "isp.example", authority: null, clientSecret: "s3cret" });
    expect(request.scopes).toEqual(["openid", "email", "offline_access"]);
  });

  it("names a new registration after its provider until the super-admin types a name", () => {
    const fresh = toOAuthForm(null);
    expect(fresh.displayName).toBe("Microsoft");
    expect(withKind(fresh, "google").displayName).toBe("Google");
    expect(withKind({ ...fresh, displayName: "ISP staff" }, "google").displayName).toBe("ISP staff");
  });
});
