// One way to talk to the web host: JSON in and out, RFC 7807 problems turned into ApiError, and a 401
// anywhere announced so that the app can send the person to the sign-in page and back.

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Seconds from a Retry-After header (429). */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null) {
    super(problem.detail ?? problem.title ?? `The server answered ${problem.status}.`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** Field errors of a 400, keyed as the API names them (`imap.port`, `tracking.denyList[2]`). */
  get fieldErrors(): Record<string, string[]> {
    return this.problem.errors ?? {};
  }
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called whenever the server says the session is gone (401 on anything but the login itself). */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok) {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const problem = await readProblem(response);
  if (response.status === 401 && path !== "/api/auth/login") {
    unauthorizedListeners.forEach((listener) => listener());
  }
  throw new ApiError(problem, parseRetryAfter(response.headers.get("Retry-After")));
}

async function readProblem(response: Response): Promise<Problem> {
  try {
    const json = (await response.json()) as Partial<Problem>;
    return { ...json, status: response.status };
  } catch {
    return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
  }
}

/** Retry-After is seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
