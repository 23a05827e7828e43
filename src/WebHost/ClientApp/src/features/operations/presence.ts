import type { OverviewPage, PresenceChange } from "./api";

export interface Merged {
  pages: OverviewPage[];
  /** A change moved a listed mailbox into or out of the state the list is filtered by: the list must be fetched again. */
  stale: boolean;
}

/** Applies pushed changes to the loaded pages in place; rows not loaded yet are left to their page. */
export function mergePresence(pages: OverviewPage[], changes: PresenceChange[], filter: string): Merged {
  const byId = new Map(changes.map((change) => [change.adminId, change]));
  let stale = false;
  const merged = pages.map((page) => ({
    ...page,
    items: page.items.map((row) => {
      const change = byId.get(row.adminId);
      if (!change) return row;
      if (filter && change.state !== filter) stale = true;
      return { ...row, ...change };
    }),
  }));
  // A mailbox that is not listed but now belongs in the list (it matches the filter, or the list is all there is
  // and it is new) makes the list stale. Unfiltered and partly loaded, it is just on a page not loaded yet.
  const complete = pages.length > 0 && pages[pages.length - 1]!.next === null;
  const listed = (adminId: string) => pages.some((page) => page.items.some((row) => row.adminId === adminId));
  if (changes.some((change) => !listed(change.adminId) && (filter ? change.state === filter : complete))) {
    stale = true;
  }
  return { pages: merged, stale };
}
