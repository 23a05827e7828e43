import { useQuery } from "@tanstack/react-query";
import { fetchMe, meKey } from "./api";

/** Who is signed in (null: nobody). Every screen reads it from the same cache entry. */
export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: fetchMe, staleTime: 5 * 60_000, retry: 1 });
}

/** Where to go after signing in: only a path of this app, never another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.startsWith("/login")) return "/inbox";
  return next;
}
