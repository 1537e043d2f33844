// Fingerprint enrollment progress (CTAP 2.1 §6.7.2: remainingSamples counts down to 0).

/** Percent done, given the samples the sensor asks for and those still needed. */
export function enrollPercent(samplesPerEnrollment: number | null, remaining: number): number {
  const total = samplesPerEnrollment ?? Math.max(remaining + 1, 1);
  if (total <= 0) return 100;
  const done = Math.min(Math.max(total - remaining, 0), total);
  return Math.round((done / total) * 100);
}
