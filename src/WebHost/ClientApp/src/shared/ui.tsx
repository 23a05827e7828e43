// The few building blocks every screen uses, so labels, hints and errors look and read the same everywhere.

import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { sentence } from "./fieldErrors";

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const present = ids.filter(Boolean);
  return present.length ? present.join(" ") : undefined;
}

function ErrorList({ id, errors }: { id: string; errors: string[] }) {
  if (!errors.length) return null;
  return (
    <ul className="field-errors" id={id}>
      {errors.map((message) => (
        <li key={message}>{sentence(message)}</li>
      ))}
    </ul>
  );
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  errors?: string[];
}

export function TextField({ label, hint, errors = [], className, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={errors.length ? true : undefined}
        aria-describedby={describedBy(hint ? id + "-hint" : undefined, errors.length > 0 && id + "-errors")}
        {...input}
      />
      {hint && <p className="hint" id={id + "-hint"}>{hint}</p>}
      <ErrorList id={id + "-errors"} errors={errors} />
    </div>
  );
}

export function TextAreaField({ label, hint, errors = [], ...area }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        aria-invalid={errors.length ? true : undefined}
        aria-describedby={describedBy(hint ? id + "-hint" : undefined, errors.length > 0 && id + "-errors")}
        {...area}
      />
      {hint && <p className="hint" id={id + "-hint"}>{hint}</p>}
      <ErrorList id={id + "-errors"} errors={errors} />
    </div>
  );
}

export function SelectField({
  label,
  hint,
  errors = [],
  options,
  className,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  const id = useId();
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-invalid={errors.length ? true : undefined}
        aria-describedby={describedBy(hint ? id + "-hint" : undefined, errors.length > 0 && id + "-errors")}
        {...select}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint && <p className="hint" id={id + "-hint"}>{hint}</p>}
      <ErrorList id={id + "-errors"} errors={errors} />
    </div>
  );
}

/** A checkbox, or with `asSwitch` an on/off switch (role "switch"), label to its right. */
export function CheckField({
  label,
  hint,
  errors = [],
  asSwitch = false,
  checked,
  onChange,
  disabled,
}: FieldProps & { asSwitch?: boolean; checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean }) {
  const id = useId();
  return (
    <div className={`check ${asSwitch ? "check-switch" : ""}`}>
      <input
        id={id}
        type="checkbox"
        role={asSwitch ? "switch" : undefined}
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={describedBy(hint ? id + "-hint" : undefined, errors.length > 0 && id + "-errors")}
      />
      <label htmlFor={id}>{label}</label>
      {hint && <p className="hint" id={id + "-hint"}>{hint}</p>}
      <ErrorList id={id + "-errors"} errors={errors} />
    </div>
  );
}

export function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-header">
        <h2 id={id}>{title}</h2>
        {description && <p className="muted">{description}</p>}
      </header>
      <div className="card-body">{children}</div>
    </section>
  );
}

/** A result or problem, read out when it appears. */
export function Notice({ tone, title, children }: { tone: "ok" | "error" | "info"; title: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children}
    </div>
  );
}
