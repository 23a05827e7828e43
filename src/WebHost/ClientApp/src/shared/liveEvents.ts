// The live channel's events for screens that patch what they show themselves (the inbox keeps rows still while
// a person reads): app/live.tsx emits, screens listen while they are shown.

import type { MessageSummary } from "../api/types";

export type LiveEvent =
  | { type: "messageReceived"; summary: MessageSummary }
  | { type: "messageChanged"; summary: MessageSummary }
  | { type: "messageRemoved"; mailboxId: string; id: string }
  /** The connection came back: the screen refetches and may say what arrived meanwhile. */
  | { type: "reconnected" };

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();

export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitLiveEvent(event: LiveEvent) {
  listeners.forEach((listener) => listener(event));
}
