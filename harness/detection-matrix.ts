/**
 * Which scenarios each bug switch of the reference backends must fail: the proof that the harness
 * catches what it claims. The integration test runs every variant and asserts it fails exactly these
 * (and for the right checks); docs/detection-matrix.md publishes it.
 */
export const DETECTION_MATRIX: Record<string, string[]> = {};
