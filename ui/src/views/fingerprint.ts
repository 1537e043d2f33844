// Fingerprint enrollment progress (CTAP 2.1 §6.7.2: remainingSamples counts down to 0 while the
// key reports each sample's lastEnrollSampleStatus).

/** Percent done, given the samples the sensor asks for and those still needed. */
export function enrollPercent(samplesPerEnrollment: number | null, remaining: number): number {
  const total = samplesPerEnrollment ?? Math.max(remaining + 1, 1);
  if (total <= 0) return 100;
  const done = Math.min(Math.max(total - remaining, 0), total);
  return Math.round((done / total) * 100);
}

/**
 * What to tell the person after a sample: "Sample 2 of 4 recorded. Lift your finger and touch
 * the sensor again." A sample the key rejected repeats its advice and asks for another touch.
 */
export function enrollStep(samplesPerEnrollment: number | null, remaining: number, status: string, advice: string): string {
  const total = samplesPerEnrollment ?? null;
  const done = total === null ? null : Math.min(Math.max(total - remaining, 0), total);
  const counted = done === null ? `${remaining} more good ${remaining === 1 ? "sample" : "samples"} needed` : `Sample ${done} of ${total} recorded`;
  if (remaining === 0) return `${counted}. Saving the fingerprint…`;
  if (status !== "good") return `${advice} ${counted}. Lift your finger and touch the sensor again.`;
  return `${counted}. Lift your finger and touch the sensor again.`;
}
