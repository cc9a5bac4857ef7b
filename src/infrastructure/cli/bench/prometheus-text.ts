/**
 * The value of an unlabelled sample in a Prometheus text exposition
 * (`name value [timestamp]`), or undefined when the metric is not there.
 * Enough for process and Node.js gauges, which have no labels.
 */
export function sampleValue(exposition: string, name: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [metric, value] = line.trim().split(/\s+/);
    if (metric !== name || value === undefined) continue;
    const parsed = Number(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
