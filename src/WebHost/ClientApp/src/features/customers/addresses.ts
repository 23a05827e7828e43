/** The "Email addresses" field: one address a line (commas and spaces also separate), blanks and repeats dropped. */
export function parseAddresses(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part && !seen.has(part.toLowerCase()) && seen.add(part.toLowerCase()));
}
