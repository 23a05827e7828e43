import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal dialog (the native <dialog>: role "dialog", Esc closes, focus kept inside). It opens when mounted;
 * `onClose` is called however it closes (Esc, a Cancel button).
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = ref.current;
    if (element && !element.open) element.showModal();
    // showModal focuses the first control; the dialog's main one (marked data-autofocus) is where a person starts.
    element?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
