// The Communication tab shows each reply under the message it answers, found by Message-ID through In-Reply-To,
// else the nearest known ancestor in References; threads are ordered by their latest message, newest first.

export interface Threadable {
  id: string;
  date: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
}

export interface ThreadNode<T extends Threadable> {
  item: T;
  replies: ThreadNode<T>[];
}

/** Message-IDs compare without angle brackets and case-insensitively, as servers write them differently. */
export function normaliseMessageId(value: string | null | undefined): string | null {
  const bare = value?.trim().replace(/^<|>$/g, "").trim().toLowerCase();
  return bare ? bare : null;
}

function parentOf<T extends Threadable>(item: T, byMessageId: Map<string, T>): T | undefined {
  const candidates = [item.inReplyTo, ...[...item.references].reverse()];
  for (const candidate of candidates) {
    const key = normaliseMessageId(candidate);
    const parent = key ? byMessageId.get(key) : undefined;
    if (parent && parent.id !== item.id) return parent;
  }
  return undefined;
}

const byDate = <T extends Threadable>(a: ThreadNode<T>, b: ThreadNode<T>) => Date.parse(a.item.date) - Date.parse(b.item.date) || a.item.id.localeCompare(b.item.id);

function latest<T extends Threadable>(node: ThreadNode<T>): number {
  return Math.max(Date.parse(node.item.date), ...node.replies.map(latest));
}

/**
 * Threads of the loaded items: roots newest thread first, replies oldest first under what they answer. A reply
 * whose parent is not loaded (an older page, or a mailbox the viewer may not read) is a root of its own.
 */
export function buildThreads<T extends Threadable>(items: readonly T[]): ThreadNode<T>[] {
  const unique = [...new Map(items.map((item) => [item.id, item])).values()];
  const byMessageId = new Map<string, T>();
  for (const item of [...unique].sort((a, b) => Date.parse(a.date) - Date.parse(b.date))) {
    const key = normaliseMessageId(item.messageId);
    // The first copy wins: the same mail can be stored in two mailboxes (the sender's and a colleague's).
    if (key && !byMessageId.has(key)) byMessageId.set(key, item);
  }
  const nodes = new Map(unique.map((item) => [item.id, { item, replies: [] } as ThreadNode<T>]));
  const roots: ThreadNode<T>[] = [];
  for (const item of unique) {
    const node = nodes.get(item.id)!;
    let parent = parentOf(item, byMessageId);
    // A loop (A answers B answers A) would hide both: break it by making this one a root.
    for (let step = parent, seen = 0; step && seen < unique.length; step = parentOf(step, byMessageId), seen++) {
      if (step.id === item.id) {
        parent = undefined;
        break;
      }
    }
    if (parent) nodes.get(parent.id)!.replies.push(node);
    else roots.push(node);
  }
  for (const node of nodes.values()) node.replies.sort(byDate);
  return roots.sort((a, b) => latest(b) - latest(a) || b.item.id.localeCompare(a.item.id));
}

/** "Re: " once, however many times the subject was answered already. */
export function replySubject(subject: string | null): string {
  const bare = (subject ?? "").replace(/^(\s*re\s*:\s*)+/i, "").trim();
  return `Re: ${bare || "(no subject)"}`;
}
