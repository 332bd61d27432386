/** A run's `extra.metadata`, or `{}`: for stored runs and for what `mapSpan` returns alike. */
export function metadataOf(run: { extra?: { metadata?: Record<string, unknown> } }): Record<string, unknown> {
  return run.extra?.metadata ?? {};
}
