import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";

const shortcuts: [string, string][] = [
  ["?", "Show this list"],
  ["g then i", "Go to the inbox"],
  ["g then p", "Go to My Profile → Mail"],
  ["/", "Search (in the inbox)"],
  ["Esc", "Close a dialog; in the inbox, back from a message to the list"],
  ["j", "Next message (also ↓)"],
  ["k", "Previous message (also ↑)"],
  ["Enter", "Open the message"],
  ["#", "Delete the message (asks first)"],
];

/** Whether a key press belongs to a field the person is typing into, where letters are text, not shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Keyboard shortcuts of the whole app; "?" lists them. */
export function Shortcuts() {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    let goPending = false;
    let goTimer: ReturnType<typeof setTimeout> | undefined;
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (goPending) {
        goPending = false;
        clearTimeout(goTimer);
        if (event.key === "i") navigate("/inbox");
        if (event.key === "p") navigate("/profile/mail");
        return;
      }
      if (event.key === "?") {
        event.preventDefault();
        setOpen(true);
      } else if (event.key === "g") {
        goPending = true;
        goTimer = setTimeout(() => (goPending = false), 1500);
      } else if (event.key === "/") {
        const search = document.querySelector<HTMLInputElement>('input[type="search"]');
        if (search) {
          event.preventDefault();
          search.focus();
        }
      }
    }
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      clearTimeout(goTimer);
    };
  }, [navigate]);

  useEffect(() => {
    const element = dialog.current;
    if (open && element && !element.open) element.showModal();
  }, [open]);

  if (!open) return null;
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="shortcuts-title" onClose={() => setOpen(false)}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table className="table shortcuts">
        <caption className="visually-hidden">Keyboard shortcuts</caption>
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">What they do</th>
          </tr>
        </thead>
        <tbody>
          {shortcuts.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                {keys.split(" then ").map((key, index) => (
                  <span key={key}>
                    {index > 0 && " then "}
                    <kbd>{key}</kbd>
                  </span>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </dialog>
  );
}
