import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { errorsFor } from "../../shared/fieldErrors";
import { Notice, TextField } from "../../shared/ui";
import { tryAgainIn } from "../../shared/words";
import { login, meKey } from "./api";
import { safeNext, useMe } from "./session";

export function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState({ login: "", password: "" });
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (me.data) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const admin = await login(form);
      queryClient.setQueryData(meKey, admin);
      navigate(next, { replace: true });
    } catch (error) {
      setProblem(error instanceof ApiError ? error : new ApiError({ status: 0, title: "The server cannot be reached." }, null));
      setForm((current) => ({ ...current, password: "" }));
    } finally {
      setBusy(false);
    }
  }

  const fieldErrors = problem?.status === 400 ? problem.fieldErrors : {};
  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">S</span> Splynx mail
        </div>
        <h1 id="login-title">Sign in</h1>
        <p className="muted">Your ISP admin account.</p>
        {problem?.status === 401 && <Notice tone="error" title="Wrong login or password">Check both and try again.</Notice>}
        {problem?.status === 429 && (
          <Notice tone="error" title="Too many failed sign-ins">
            {problem.retryAfter !== null ? tryAgainIn(problem.retryAfter) : problem.message}
          </Notice>
        )}
        {problem && ![400, 401, 429].includes(problem.status) && <Notice tone="error" title="Could not sign in">{problem.message}</Notice>}
        <TextField
          label="Login"
          name="login"
          autoComplete="username"
          autoFocus
          value={form.login}
          errors={errorsFor(fieldErrors, "login")}
          onChange={(event) => setForm({ ...form, login: event.target.value })}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={form.password}
          errors={errorsFor(fieldErrors, "password")}
          onChange={(event) => setForm({ ...form, password: event.target.value })}
        />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
