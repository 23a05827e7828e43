import { api, ApiError, onUnauthorized, parseRetryAfter } from "./client";

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json", ...headers } });
}

describe("the API client", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("turns a 400 problem into an error with its field errors", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => answer(400, { title: "One or more validation errors occurred.", errors: { "imap.port": ["must be between 1 and 65535"] } })));
    const error = await api("PUT", "/api/me/mail-settings", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors).toEqual({ "imap.port": ["must be between 1 and 65535"] });
  });

  it("announces a 401 so that the app can ask to sign in again", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => answer(401, { title: "Not logged in" })));
    const heard = vi.fn();
    const stop = onUnauthorized(heard);
    await expect(api("GET", "/api/me/mail-settings")).rejects.toBeInstanceOf(ApiError);
    stop();
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it("does not treat a wrong password at sign-in as a lost session", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => answer(401, { title: "Wrong login or password" })));
    const heard = vi.fn();
    const stop = onUnauthorized(heard);
    await expect(api("POST", "/api/auth/login", { login: "a", password: "b" })).rejects.toBeInstanceOf(ApiError);
    stop();
    expect(heard).not.toHaveBeenCalled();
  });

  it("reads Retry-After of a 429", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => answer(429, { title: "Too many failed logins" }, { "Retry-After": "240" })));
    const error = (await api("POST", "/api/auth/login", {}).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(240);
  });

  it("answers undefined for 204 and the JSON otherwise", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(api("POST", "/api/auth/logout")).resolves.toBeUndefined();
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ id: "1" }), { status: 200 })));
    await expect(api("GET", "/api/me")).resolves.toEqual({ id: "1" });
  });

  it("parses Retry-After as seconds or as a date", () => {
    expect(parseRetryAfter("120")).toBe(120);
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:01:00 GMT", new Date("2026-03-01T12:00:00Z"))).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
});
