import { useEffect, useRef, useState, type KeyboardEvent } from "react";

export type MessageAction = "view" | "pair" | "add-customer" | "block" | "delete";

const labels: Record<MessageAction, string> = {
  view: "View",
  pair: "Pair to a customer",
  "add-customer": "Add a customer",
  block: "Block email",
  delete: "Delete message",
};

/** The per-row menu "Actions": a button that opens a menu of menu items, arrow keys inside, Esc back to the button. */
export function ActionsMenu({ own, onAction, label }: { own: boolean; onAction: (action: MessageAction) => void; label: string }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const actions: MessageAction[] = own ? ["view", "pair", "add-customer", "block", "delete"] : ["view", "pair", "add-customer", "delete"];

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    function outside(event: MouseEvent) {
      if (!menu.current?.contains(event.target as Node) && event.target !== button.current) setOpen(false);
    }
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  function onMenuKey(event: KeyboardEvent) {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = (index: number) => items[(index + items.length) % items.length]?.focus();
    event.stopPropagation();
    if (event.key === "ArrowDown") move(at + 1);
    else if (event.key === "ArrowUp") move(at - 1);
    else if (event.key === "Home") move(0);
    else if (event.key === "End") move(items.length - 1);
    else if (event.key === "Escape" || event.key === "Tab") {
      setOpen(false);
      if (event.key === "Escape") button.current?.focus();
    } else return;
    if (event.key !== "Tab") event.preventDefault();
  }

  return (
    <div className="menu-anchor" onClick={(event) => event.stopPropagation()}>
      <button
        ref={button}
        type="button"
        className="button button-quiet button-icon"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label="Actions"
        title={`Actions for ${label}`}
        onKeyDown={(event) => {
          event.stopPropagation();
          if (event.key === "ArrowDown") {
            event.preventDefault();
            setOpen(true);
          }
        }}
        onClick={() => setOpen((value) => !value)}
      >
        <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24" fill="currentColor">
          <circle cx="12" cy="5" r="2" />
          <circle cx="12" cy="12" r="2" />
          <circle cx="12" cy="19" r="2" />
        </svg>
      </button>
      {open && (
        <div ref={menu} className="menu" role="menu" aria-label="Actions" onKeyDown={onMenuKey}>
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={action === "delete" || action === "block" ? "menu-danger" : undefined}
              onClick={() => {
                setOpen(false);
                onAction(action);
              }}
            >
              {labels[action]}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
