/**
 * A stored payload as the fields of format version 1 (`{ v, r, c, t, x, m, f, k, a, u }`), whichever
 * version was stored: tests assert the fields, test/payload.test.ts the layouts themselves. Decoded here
 * on its own, not by the code under test.
 */
export function storedFields(text: string | null): Record<string, unknown> {
  if (text === null) throw new Error("expected a stored payload, the key is missing");
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value)) return value as Record<string, unknown>;
  const [version, r, c, t, offset, m, extras] = value as [
    number,
    number,
    number,
    number,
    number,
    unknown,
    object?,
  ];
  if (version !== 2) throw new Error(`unknown packed payload version ${version}`);
  return {
    v: 1,
    r,
    c,
    ...(t === 0 && offset === 0 ? {} : { t, x: c + offset }),
    m,
    ...(extras ?? {}),
  };
}
