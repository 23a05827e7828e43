import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { LoginPage } from "./LoginPage";

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/profile/mail" element={<h1>Mail settings page</h1>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function serve(answers: Record<string, () => Response>) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => (answers[path] ?? (() => new Response(null, { status: 404 })))()),
  );
}

const problem = (status: number, body: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json", ...headers } });

describe("the sign-in page", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says when to try again after too many failed sign-ins", async () => {
    serve({
      "/api/me": () => problem(401, { title: "Not logged in" }),
      "/api/auth/login": () => problem(429, { title: "Too many failed logins" }, { "Retry-After": "240" }),
    });
    renderAt("/login");
    await userEvent.type(await screen.findByLabelText("Login"), "alice");
    await userEvent.type(screen.getByLabelText("Password"), "guess");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Try again in 4 minutes.");
  });

  it("opens the page that was asked for once signed in", async () => {
    serve({
      "/api/me": () => problem(401, { title: "Not logged in" }),
      "/api/auth/login": () => new Response(JSON.stringify({ id: "1", login: "alice", name: "Alice", email: "a@x.example", role: "admin" }), { status: 200 }),
    });
    renderAt("/login?next=%2Fprofile%2Fmail");
    await userEvent.type(await screen.findByLabelText("Login"), "alice");
    await userEvent.type(screen.getByLabelText("Password"), "right");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Mail settings page" })).toBeTruthy();
  });
});
