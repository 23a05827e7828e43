// The inbox's pages as the query cache holds them, and how live events change them without moving what a
// person is looking at. Pure functions, so that every rule is tested without a browser.

import type { MessageSummary, Page } from "../../api/types";
import type { AuthorFilter, InboxFilters } from "./api";

export interface Pages {
  pages: Page<MessageSummary>[];
  pageParams: unknown[];
}

const newestFirst = (a: MessageSummary, b: MessageSummary) => (a.date === b.date ? (a.id < b.id ? 1 : -1) : a.date < b.date ? 1 : -1);

/** The rows in order, each message once (a live message may also come back in a page fetched later). */
export function rowsOf(data: Pages | undefined): MessageSummary[] {
  const seen = new Set<string>();
  const rows: MessageSummary[] = [];
  for (const page of data?.pages ?? []) {
    for (const item of page.items) {
      if (!seen.has(item.id)) {
        seen.add(item.id);
        rows.push(item);
      }
    }
  }
  return rows;
}

/**
 * New messages put into the first page where their date places them. One older than everything loaded while
 * older pages remain is left to the page that holds it, so that paging brings it once, in its place.
 */
export function insertMessages(data: Pages | undefined, messages: MessageSummary[]): Pages | undefined {
  const [head, ...tail] = data?.pages ?? [];
  if (!data || !head) return data;
  const known = new Set(data.pages.flatMap((page) => page.items.map((item) => item.id)));
  const last = data.pages.at(-1) ?? head;
  const oldestLoaded = data.pages.flatMap((page) => page.items).at(-1);
  const fresh = messages.filter(
    (message) => !known.has(message.id) && (last.next === null || !oldestLoaded || newestFirst(message, oldestLoaded) < 0),
  );
  if (fresh.length === 0) return data;
  return { ...data, pages: [{ ...head, items: [...fresh, ...head.items].sort(newestFirst) }, ...tail] };
}

/** A changed message is replaced where it is: it never moves. */
export function replaceMessage(data: Pages | undefined, message: MessageSummary): Pages | undefined {
  if (!data || !data.pages.some((page) => page.items.some((item) => item.id === message.id))) return data;
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((item) => (item.id === message.id ? message : item)) })) };
}

export function removeMessage(data: Pages | undefined, id: string): Pages | undefined {
  if (!data || !data.pages.some((page) => page.items.some((item) => item.id === id))) return data;
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== id) })) };
}

/**
 * Whether a live message belongs in a list with these filters, as far as the summary tells: author and period
 * exactly as the server filters (days in UTC, the "to" day included). The text search matches bodies the summary
 * does not carry, so it answers "ask the server" instead (`undefined`).
 */
export function matchesFilters(message: MessageSummary, filters: InboxFilters): boolean | undefined {
  if (filters.author === "known" && !message.authorFound) return false;
  if (filters.author === "unknown" && message.authorFound) return false;
  const at = Date.parse(message.date);
  if (filters.from && at < Date.parse(filters.from + "T00:00:00Z")) return false;
  if (filters.to && at >= Date.parse(filters.to + "T00:00:00Z") + 86_400_000) return false;
  return filters.q.trim() ? undefined : true;
}

/**
 * Where a received message goes: straight into the list when the reader is at the top and not reading one,
 * otherwise into the "N new messages" count, so that no row moves under the pointer.
 */
export function placeReceived(atTop: boolean, reading: boolean): "list" | "waiting" {
  return atTop && !reading ? "list" : "waiting";
}

/** Messages waiting behind the button, each once, without those removed meanwhile. */
export function addWaiting(waiting: MessageSummary[], message: MessageSummary): MessageSummary[] {
  return waiting.some((item) => item.id === message.id) ? waiting : [message, ...waiting];
}

/** After a reconnect: how many messages of the refetched list the reader had not seen before. */
export function arrivedMeanwhile(before: Set<string>, newestBefore: string | null, after: MessageSummary[]): number {
  return after.filter((item) => !before.has(item.id) && (newestBefore === null || item.date >= newestBefore)).length;
}

const authors: AuthorFilter[] = ["all", "known", "unknown"];

/** The filters of the address (`?q=&author=&from=&to=`); anything unknown there is the default. */
export function filtersFromParams(params: URLSearchParams): InboxFilters {
  const author = params.get("author") as AuthorFilter | null;
  const day = (value: string | null) => (value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "");
  return {
    q: params.get("q") ?? "",
    author: author && authors.includes(author) ? author : "all",
    from: day(params.get("from")),
    to: day(params.get("to")),
  };
}

/** One filter changed in the address; defaults are left out so that the plain inbox has a plain address. */
export function withFilter(params: URLSearchParams, name: keyof InboxFilters, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value && !(name === "author" && value === "all")) next.set(name, value);
  else next.delete(name);
  return next;
}

/** "512 bytes", "14 KB", "2.3 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
