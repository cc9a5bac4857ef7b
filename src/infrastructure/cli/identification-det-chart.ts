import type { IdentificationReport } from '../../application/use-cases/evaluate-identification';
import type { DetPoint, OperatingPoint } from '../../domain/error-rates';
import type { ChartPoint, DetChart } from '../reporting/det-chart-svg';
import { plural, targetLabel, type RunContext } from './identification-report';

const chartPoints = (det: readonly DetPoint[]): ChartPoint[] => det.map((p) => ({ x: p.falsePositiveRate, y: p.falseNegativeRate }));
const at = (point: OperatingPoint): ChartPoint => ({ x: point.falsePositive.rate, y: point.falseNegative.rate });

const IDENTIFICATION = '#1f5fa8';
const VERIFICATION = '#c0392b';

/**
 * Both trade-offs on one chart: open-set identification (FPIR, FNIR) and
 * verification on the pairs (FAR, FRR), with the service's quality gate
 * (solid) and with it opened (dashed), and the shipped MATCH_THRESHOLD
 * (1:1) and IDENTIFY_THRESHOLD (1:N) marked on the service-gate curves.
 */
export function identificationDetChart(report: IdentificationReport, context: RunContext): DetChart {
  const service = report.serviceGate;
  const open = report.openGate;
  const threshold = context.matchThreshold;
  const fpirCuts = service.identification.atFpir.map((p) => `FNIR ${(p.falseNegative.rate * 100).toFixed(2)}% at FPIR ${targetLabel(p.target)}`).join(', ');
  return {
    title: 'Detection error trade-off: LFW identification and verification',
    subtitle: [
      `${report.knownPeople} people enrolled (${plural(context.enrolPhotos, 'photo')} each), ${report.matedSearches} mated and ${report.nonMatedSearches} non-mated probes, ` +
        `${service.verification.pairs} pairs`,
      `${context.startedAt.toISOString().slice(0, 10)}, model set ${context.modelSet}, flip TTA ${context.flipTta ? 'on' : 'off'}`,
    ],
    xLabel: 'false positives: FPIR (identification), FAR (verification)',
    yLabel: 'false negatives: FNIR (identification), FRR (verification)',
    series: [
      { label: 'identification, service quality gate', colour: IDENTIFICATION, points: chartPoints(service.identification.det) },
      { label: 'identification, gate opened', colour: IDENTIFICATION, dashed: true, points: chartPoints(open.identification.det) },
      { label: 'verification (pairs), service quality gate', colour: VERIFICATION, points: chartPoints(service.verification.det) },
      { label: 'verification (pairs), gate opened', colour: VERIFICATION, dashed: true, points: chartPoints(open.verification.det) },
    ],
    markers: [
      { label: `MATCH_THRESHOLD ${threshold}`, colour: IDENTIFICATION, ...at(service.identification.atMatchThreshold) },
      { label: `MATCH_THRESHOLD ${threshold}`, colour: VERIFICATION, ...at(service.verification.atMatchThreshold) },
      { label: `IDENTIFY_THRESHOLD ${context.identifyThreshold}`, colour: IDENTIFICATION, ...at(service.identification.atIdentifyThreshold) },
    ],
    footnotes: [
      `Service gate: ${fpirCuts}. Steps of one probe: FNIR ${(100 / Math.max(1, report.matedSearches)).toFixed(3)}%, ` +
        `FPIR ${(100 / Math.max(1, report.nonMatedSearches)).toFixed(3)}%; one pair ${(100 / Math.max(1, service.verification.atFar.falsePositive.total)).toFixed(3)}%.`,
      'Rates of zero cannot be drawn on log axes: each curve stops where one of its rates reaches zero. facerec eval identify.',
    ],
  };
}
