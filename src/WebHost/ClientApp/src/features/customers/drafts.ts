// A message being written survives a reload: kept in localStorage per customer, and per message answered.

export interface Draft {
  to: string;
  subject: string;
  text: string;
}

const prefix = "splynx.draft";

export function draftKey(customerId: string, replyToId: string | null): string {
  return `${prefix}:${customerId}:${replyToId ?? "new"}`;
}

/** Nothing is kept of a draft without a message: a prefilled "Re: …" alone is not worth reopening after a reload. */
export function isEmptyDraft(draft: Draft): boolean {
  return !draft.text.trim();
}

export function loadDraft(storage: Storage, key: string): Draft | null {
  try {
    const raw = storage.getItem(key);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Draft>;
    return { to: String(value.to ?? ""), subject: String(value.subject ?? ""), text: String(value.text ?? "") };
  } catch {
    return null;
  }
}

export function saveDraft(storage: Storage, key: string, draft: Draft) {
  try {
    if (isEmptyDraft(draft)) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(draft));
  } catch {
    // Storage full or denied (private mode): the draft lives as long as the page, as it would without this.
  }
}

export function clearDraft(storage: Storage, key: string) {
  try {
    storage.removeItem(key);
  } catch {
    // As above.
  }
}

/** The replies with a draft kept for this customer, so that their forms open again after a reload. */
export function repliesWithDrafts(storage: Storage, customerId: string): string[] {
  const start = `${prefix}:${customerId}:`;
  const ids: string[] = [];
  try {
    for (let index = 0; index < storage.length; index++) {
      const key = storage.key(index);
      if (key?.startsWith(start) && key !== draftKey(customerId, null)) ids.push(key.slice(start.length));
    }
  } catch {
    return [];
  }
  return ids;
}
