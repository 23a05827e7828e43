import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { NewAdmin, Role } from "../../api/types";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { Notice, PageHeader, SelectField, TextField } from "../../shared/ui";
import { adminsKey, createAdmin, listAdmins } from "./api";

const roleWords: Record<Role, string> = { admin: "Admin", superadmin: "Super-admin" };

export function AdminsPage() {
  const admins = useQuery({ queryKey: adminsKey, queryFn: listAdmins });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  return (
    <>
      <PageHeader title="Admins">
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          New admin
        </button>
      </PageHeader>
      <div aria-live="polite">{created && <Notice tone="ok" title={`Admin \u201c${created}\u201d created`}>They can sign in now.</Notice>}</div>
      <div className="card">
        {admins.isError ? (
          <p className="card-body">The admins could not be loaded: {admins.error.message}</p>
        ) : (
          <table className="table">
            <caption className="visually-hidden">Admins</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Login</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {(admins.data ?? []).map((admin) => (
                <tr key={admin.id}>
                  <td>{admin.name}</td>
                  <td>{admin.login}</td>
                  <td>{admin.email}</td>
                  <td>
                    <span className={`badge badge-${admin.role}`}>{roleWords[admin.role] ?? admin.role}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {creating && (
        <NewAdminDialog
          onClose={() => setCreating(false)}
          onCreated={(login) => {
            setCreating(false);
            setCreated(login);
          }}
        />
      )}
    </>
  );
}

const empty: NewAdmin = { login: "", password: "", name: "", email: "", role: "admin" };
const fields = ["login", "password", "name", "email", "role"];

function NewAdminDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (login: string) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const [form, setForm] = useState<NewAdmin>(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const create = useMutation({
    mutationFn: () => createAdmin({ ...form, login: form.login.trim(), name: form.name.trim(), email: form.email.trim() }),
    onSuccess: (admin) => {
      void queryClient.invalidateQueries({ queryKey: adminsKey });
      onCreated(admin.login);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(error.fieldErrors);
        setFailure(null);
      } else {
        setFailure(error.message);
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  const leftOver = unclaimedErrors(errors, fields);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="new-admin-title" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id="new-admin-title">New admin</h2>
        {(failure || leftOver.length > 0) && <Notice tone="error" title="Not created">{failure ?? leftOver.join(" ")}</Notice>}
        <TextField label="Login" autoComplete="off" value={form.login} onChange={(e) => setForm({ ...form, login: e.target.value })} errors={errorsFor(errors, "login")} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          errors={errorsFor(errors, "password")}
        />
        <TextField label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errorsFor(errors, "name")} />
        <TextField label="Email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} errors={errorsFor(errors, "email")} />
        <SelectField
          label="Role"
          options={[
            { value: "admin", label: "Admin" },
            { value: "superadmin", label: "Super-admin" },
          ]}
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          errors={errorsFor(errors, "role")}
        />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            Create admin
          </button>
        </div>
      </form>
    </dialog>
  );
}
