/** A port as typed; anything that is not a whole number goes as 0 so that the server names the field. */
export function toPort(text: string): number {
  const trimmed = text.trim();
  return /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : 0;
}
