import type { OAuthApplication, OAuthApplicationRequest, OAuthProviderKind } from "../../api/types";

/** The registration form as typed: scopes one per line or separated by spaces, the secret empty to keep it. */
export interface OAuthForm {
  kind: OAuthProviderKind;
  displayName: string;
  tenant: string;
  authority: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

export const providerOptions: { value: OAuthProviderKind; label: string }[] = [
  { value: "microsoft", label: "Microsoft 365" },
  { value: "google", label: "Google" },
  { value: "openIdConnect", label: "OpenID Connect provider" },
];

export const providerLabel = (kind: OAuthProviderKind) => providerOptions.find((option) => option.value === kind)?.label ?? kind;

const defaultNames: Record<OAuthProviderKind, string> = { microsoft: "Microsoft", google: "Google", openIdConnect: "" };

export function toOAuthForm(saved: OAuthApplication | null): OAuthForm {
  return saved
    ? {
        kind: saved.kind,
        displayName: saved.displayName,
        tenant: saved.tenant ?? "",
        authority: saved.authority ?? "",
        clientId: saved.clientId,
        clientSecret: "",
        scopes: saved.scopes.join("\n"),
      }
    : { kind: "microsoft", displayName: defaultNames.microsoft, tenant: "", authority: "", clientId: "", clientSecret: "", scopes: "" };
}

/** A new kind brings its usual name along, unless the super-admin already typed one of their own. */
export function withKind(form: OAuthForm, kind: OAuthProviderKind): OAuthForm {
  const nameIsDefault = Object.values(defaultNames).includes(form.displayName.trim());
  return { ...form, kind, displayName: nameIsDefault ? defaultNames[kind] : form.displayName };
}

/** What the API takes: only the field of the chosen kind, the secret only when typed, scopes as a list. */
export function toOAuthRequest(form: OAuthForm): OAuthApplicationRequest {
  return {
    kind: form.kind,
    displayName: form.displayName.trim(),
    tenant: form.kind === "microsoft" ? form.tenant.trim() || null : null,
    authority: form.kind === "openIdConnect" ? form.authority.trim() || null : null,
    clientId: form.clientId.trim(),
    clientSecret: form.clientSecret === "" ? null : form.clientSecret,
    scopes: form.scopes.split(/\s+/).filter((scope) => scope.length > 0),
  };
}
