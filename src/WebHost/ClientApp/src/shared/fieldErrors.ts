// The API names a field error by its path in the JSON body: `imap.port`, `tracking.denyList[2]`,
// `access.adminIds[0]`, and binding errors sometimes as `$.imap.port`. The form shows each next to its field.

export type FieldErrors = Record<string, string[]>;

/** Removes the `$.` prefix of JSON binding errors and normalises the case of the first letter of each part. */
export function normaliseKey(key: string): string {
  return key
    .replace(/^\$\.?/, "")
    .split(".")
    .map((part) => (part ? part[0]!.toLowerCase() + part.slice(1) : part))
    .join(".");
}

/**
 * The messages for one field: its own key and every indexed key under it (`tracking.denyList[3]` belongs
 * to `tracking.denyList`), in index order.
 */
export function errorsFor(errors: FieldErrors, field: string): string[] {
  const own: string[] = [];
  const indexed: [number, string[]][] = [];
  for (const [rawKey, messages] of Object.entries(errors)) {
    const key = normaliseKey(rawKey);
    if (key === field) {
      own.push(...messages);
      continue;
    }
    const match = key.startsWith(field + "[") ? /^\[(\d+)\]$/.exec(key.slice(field.length)) : null;
    if (match) indexed.push([Number(match[1]), messages]);
  }
  indexed.sort((a, b) => a[0] - b[0]);
  return [...own, ...indexed.flatMap(([, messages]) => messages)];
}

/** Errors whose key is none of the form's fields: shown above the form so that nothing is lost. */
export function unclaimedErrors(errors: FieldErrors, fields: readonly string[]): string[] {
  return Object.entries(errors)
    .filter(([rawKey]) => {
      const key = normaliseKey(rawKey);
      return !fields.some((field) => key === field || key.startsWith(field + "["));
    })
    .flatMap(([rawKey, messages]) => messages.map((message) => (rawKey ? `${normaliseKey(rawKey)}: ${message}` : message)));
}

/** "Port must be between…" reads better than "must be between…" next to a field called "IMAP port". */
export function sentence(message: string): string {
  return message ? message[0]!.toUpperCase() + message.slice(1) : message;
}
