/**
 * "Did you mean": the closest known name to what was typed, by edit distance (Damerau's optimal
 * string alignment: a swapped pair like `rnu`/`run` is one edit, as people mistype). A name is only
 * suggested when it is close for its length, so `streamchaos deploy` does not answer "doctor?".
 */
export function closest(typed: string, known: Iterable<string>): string | undefined {
  const word = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word, name.toLowerCase());
    if (distance > allowedEdits(Math.max(word.length, name.length))) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name;
}

/** `; did you mean "run"?` or nothing: the tail of an error's `why`. */
export function didYouMean(typed: string, known: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const match = closest(typed, known);
  return match === undefined ? "" : `; did you mean ${quote(match)}?`;
}

/** One edit for short names, two from 6 characters, three from 12. */
function allowedEdits(length: number): number {
  return length < 6 ? 1 : length < 12 ? 2 : 3;
}

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const above = d[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}
