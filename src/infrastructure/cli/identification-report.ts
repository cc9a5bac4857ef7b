import type { GateReport, IdentificationFigures, IdentificationReport, ImageFailure, ReturnedIdentity } from '../../application/use-cases/evaluate-identification';
import type { OperatingPoint, TargetOperatingPoint } from '../../domain/error-rates';
import { proportion, type Proportion } from '../../domain/proportion';

/** What the report says besides the figures: how they were obtained. */
export interface RunContext {
  readonly data: string;
  readonly enrolPhotos: number;
  readonly matchThreshold: number;
  readonly identifyThreshold: number;
  readonly serviceGate: { readonly minFaceSize: number; readonly minSharpness: number; readonly maxYawDegrees: number };
  readonly flipTta: boolean;
  readonly modelSet: string;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly svgPath: string;
}

export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
const percent = (rate: number, digits = 2): string => (Number.isNaN(rate) ? 'n/a' : `${(rate * 100).toFixed(digits)}%`);
/** 0.01 → "1%", 0.001 → "0.1%". */
export const targetLabel = (rate: number): string => `${Number((rate * 100).toPrecision(3))}%`;
const thresholdLabel = (threshold: number): string => (Number.isFinite(threshold) ? threshold.toFixed(4) : 'none needed');

/** "99.12% (2689/2713; 95% CI 98.70–99.42%)". */
export function withInterval(p: Proportion): string {
  if (p.total === 0) return 'n/a (no trials)';
  return `${percent(p.rate)} (${p.count}/${p.total}; 95% CI ${percent(p.lower)}–${percent(p.upper)})`;
}

/** Accepted genuine trials: the complement of the false negatives. */
const trueAccepts = (point: OperatingPoint): Proportion => proportion(point.falseNegative.total - point.falseNegative.count, point.falseNegative.total);

function listed(failures: readonly ImageFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures.slice(0, 5).map((f) => `${f.image}: ${f.reason}`);
  return ` (${shown.join(', ')}${failures.length > shown.length ? `, … ${failures.length - shown.length} more` : ''})`;
}

/** A photo can be both a probe and in a pair: list it once. */
const distinctImages = (failures: readonly ImageFailure[]): ImageFailure[] => [...new Map(failures.map((f) => [f.image, f])).values()];

/** How the threshold for a target was set, and what the sample allowed. */
function cut(point: TargetOperatingPoint, rateName: string, trialName: string): string {
  return (
    `threshold ${thresholdLabel(point.threshold)}: ${rateName} reached ${percent(point.falsePositive.rate, 3)} = ` +
    `${point.falsePositive.count}/${point.falsePositive.total}, the target allows ${point.allowedFalsePositives} ${trialName}`
  );
}

const returnedList = (list: readonly ReturnedIdentity[]): string =>
  list.length === 0
    ? 'none'
    : list.map((r) => `${r.image} → ${r.returned} ${r.score.toFixed(3)}${r.mateScore !== undefined ? ` (mate ${r.mateScore.toFixed(3)})` : ''}`).join(', ');

function identificationLines(figures: IdentificationFigures, context: RunContext): string[] {
  return [
    `closed set: rank-1 ${withInterval(figures.rank1)}, rank-5 ${withInterval(figures.rank5)}`,
    ...figures.atFpir.map(
      (point) => `open set: FNIR ${withInterval(point.falseNegative)} at FPIR ${targetLabel(point.target)} (${cut(point, 'FPIR', 'non-mated searches')})`,
    ),
    `open set at MATCH_THRESHOLD ${context.matchThreshold}: FPIR ${withInterval(figures.atMatchThreshold.falsePositive)}, FNIR ${withInterval(figures.atMatchThreshold.falseNegative)}`,
    `open set at IDENTIFY_THRESHOLD ${context.identifyThreshold}: FPIR ${withInterval(figures.atIdentifyThreshold.falsePositive)}, FNIR ${withInterval(figures.atIdentifyThreshold.falseNegative)}`,
    `misidentified mated probes: ${returnedList(figures.misidentified)}`,
    `highest non-mated scores: ${returnedList(figures.highestNonMated)}`,
  ];
}

function gateLines(gate: GateReport, report: IdentificationReport, context: RunContext): string[] {
  const { enrolment, failuresToAcquire: fta, verification, closestReferenceIdentification: alternative } = gate;
  return [
    `failures to enrol: ${enrolment.failures.length} of ${enrolment.photos} photos${listed(enrolment.failures)}; ` +
      `people without a template: ${enrolment.peopleWithoutTemplate.length}${enrolment.peopleWithoutTemplate.length ? ` (${enrolment.peopleWithoutTemplate.join(', ')})` : ''}`,
    `failures to acquire: ${fta.mated.length} of ${report.matedSearches} mated probes, ${fta.nonMated.length} of ${report.nonMatedSearches} non-mated probes, ` +
      `${fta.pairImages.length} of ${report.pairImages} pair images${listed(distinctImages([...fta.mated, ...fta.nonMated, ...fta.pairImages]))}`,
    ...identificationLines(gate.identification, context),
    `verification (${verification.pairs} pairs): TAR ${withInterval(trueAccepts(verification.atFar))} at FAR ${targetLabel(verification.atFar.target)} (${cut(verification.atFar, 'FAR', 'impostor pairs')})`,
    `verification at MATCH_THRESHOLD ${context.matchThreshold}: FAR ${withInterval(verification.atMatchThreshold.falsePositive)}, FRR ${withInterval(verification.atMatchThreshold.falseNegative)}`,
    `closest enrolled photo instead of the template (comparison only): rank-1 ${percent(alternative.rank1.rate)}, rank-5 ${percent(alternative.rank5.rate)}, ` +
      alternative.atFpir.map((p) => `FNIR ${percent(p.falseNegative.rate)} at FPIR ${targetLabel(p.target)}`).join(', ') +
      `, at MATCH_THRESHOLD FPIR ${percent(alternative.atMatchThreshold.falsePositive.rate)} FNIR ${percent(alternative.atMatchThreshold.falseNegative.rate)}`,
  ];
}

/** The human-readable report, ending with the summary line. */
export function reportLines(report: IdentificationReport, context: RunContext): string[] {
  const gate = context.serviceGate;
  const resolution = (n: number): string => (n === 0 ? 'n/a' : `${percent(1 / n, 3)}`);
  return [
    `LFW identification on ${context.data}: ${report.knownPeople} known people (first ${plural(context.enrolPhotos, 'photo')} enrolled, ` +
      `${report.matedSearches} mated probes), ${report.unknownPeople} unknown people (${report.nonMatedSearches} non-mated probes), ` +
      `${report.serviceGate.verification.pairs} pairs (${report.pairImages} images); ${report.images} images analysed once`,
    `model set ${context.modelSet}, flip TTA: ${context.flipTta ? 'on' : 'off'}, MATCH_THRESHOLD ${context.matchThreshold}, IDENTIFY_THRESHOLD ${context.identifyThreshold}, ` +
      `person score: similarity to the mean of their enrolled photos' embeddings (the service's matchIdentity), time: ${context.seconds.toFixed(1)} s`,
    `resolution: 1 mated probe = ${resolution(report.matedSearches)}, 1 non-mated probe = ${resolution(report.nonMatedSearches)}, ` +
      `1 pair = ${resolution(report.serviceGate.verification.atFar.falseNegative.total)}; intervals are 95% Wilson intervals of the count alone ` +
      `(they leave out the uncertainty of a threshold set on the same sample)`,
    `-- quality gate as the service runs it (MIN_FACE_SIZE ${gate.minFaceSize}, MIN_SHARPNESS ${gate.minSharpness}, MAX_YAW_DEGREES ${gate.maxYawDegrees}); photos it rejects are failures --`,
    ...gateLines(report.serviceGate, report, context),
    `-- quality gate opened, as eval lfw runs (every detected face embedded) --`,
    ...gateLines(report.openGate, report, context),
    `DET curves: ${context.svgPath}`,
    summaryLine(report, context),
  ];
}

export function summaryLine(report: IdentificationReport, context: RunContext): string {
  const service = report.serviceGate;
  const fnirs = service.identification.atFpir.map((p) => `${percent(p.falseNegative.rate)} at FPIR ${targetLabel(p.target)}`).join(', ');
  const atThreshold = service.verification.atMatchThreshold;
  const idAtThreshold = service.identification.atMatchThreshold;
  const idAtIdentify = service.identification.atIdentifyThreshold;
  return (
    `identification summary (service gate): rank-1 ${percent(service.identification.rank1.rate)} ` +
    `(gate opened ${percent(report.openGate.identification.rank1.rate)}), FNIR ${fnirs}, ` +
    `TAR ${percent(trueAccepts(service.verification.atFar).rate)} at FAR ${targetLabel(service.verification.atFar.target)}; ` +
    `at MATCH_THRESHOLD ${context.matchThreshold}: pairs FAR ${percent(atThreshold.falsePositive.rate)} FRR ${percent(atThreshold.falseNegative.rate)}, ` +
    `open set FPIR ${percent(idAtThreshold.falsePositive.rate)} FNIR ${percent(idAtThreshold.falseNegative.rate)}; ` +
    `at IDENTIFY_THRESHOLD ${context.identifyThreshold}: open set FPIR ${percent(idAtIdentify.falsePositive.rate)} FNIR ${percent(idAtIdentify.falseNegative.rate)}`
  );
}

const pointJson = (point: OperatingPoint, positive: string, negative: string) => ({
  threshold: Number.isFinite(point.threshold) ? point.threshold : null,
  [positive]: point.falsePositive,
  [negative]: point.falseNegative,
});

function gateJson(gate: GateReport) {
  const identification = (figures: IdentificationFigures) => ({
    rank1: figures.rank1,
    rank5: figures.rank5,
    fnirAtFpir: figures.atFpir.map((p) => ({ fpirTarget: p.target, allowed: p.allowedFalsePositives, ...pointJson(p, 'fpir', 'fnir') })),
    atMatchThreshold: pointJson(figures.atMatchThreshold, 'fpir', 'fnir'),
    atIdentifyThreshold: pointJson(figures.atIdentifyThreshold, 'fpir', 'fnir'),
    misidentified: figures.misidentified,
    highestNonMated: figures.highestNonMated,
  });
  const { atFar, atMatchThreshold } = gate.verification;
  return {
    failuresToEnrol: gate.enrolment.failures.length,
    peopleWithoutTemplate: gate.enrolment.peopleWithoutTemplate,
    failuresToAcquire: {
      mated: gate.failuresToAcquire.mated.length,
      nonMated: gate.failuresToAcquire.nonMated.length,
      pairImages: gate.failuresToAcquire.pairImages.length,
    },
    /** Every photo without a usable face (enrolment, probes, pairs), once each, with the reason. */
    failedImages: distinctImages([
      ...gate.enrolment.failures,
      ...gate.failuresToAcquire.mated,
      ...gate.failuresToAcquire.nonMated,
      ...gate.failuresToAcquire.pairImages,
    ]),
    identification: identification(gate.identification),
    verification: {
      pairs: gate.verification.pairs,
      tarAtFar: { farTarget: atFar.target, allowed: atFar.allowedFalsePositives, ...pointJson(atFar, 'far', 'frr'), tar: trueAccepts(atFar) },
      atMatchThreshold: pointJson(atMatchThreshold, 'far', 'frr'),
    },
    closestReferenceIdentification: identification(gate.closestReferenceIdentification),
  };
}

/** The machine-readable line: every figure with its counts and interval (rates of empty samples are null). */
export function reportJson(report: IdentificationReport, context: RunContext): string {
  return JSON.stringify({
    command: 'eval identify',
    date: context.startedAt.toISOString(),
    data: context.data,
    modelSet: context.modelSet,
    enrolPhotos: context.enrolPhotos,
    matchThreshold: context.matchThreshold,
    identifyThreshold: context.identifyThreshold,
    flipTta: context.flipTta,
    seconds: Number(context.seconds.toFixed(1)),
    images: report.images,
    knownPeople: report.knownPeople,
    unknownPeople: report.unknownPeople,
    matedSearches: report.matedSearches,
    nonMatedSearches: report.nonMatedSearches,
    pairImages: report.pairImages,
    svg: context.svgPath,
    serviceGate: { ...context.serviceGate, ...gateJson(report.serviceGate) },
    openGate: gateJson(report.openGate),
  });
}
