// Each check's measurement in words a photographer understands (issue 9 section 5: no raw keys such as
// meanLuma): pixels, percentages, degrees, KB, colour difference, each with the standard beside it.
import type { TFunction } from 'i18next';
import type { PhotoReport } from '../../../contracts/photo.js';

type Check = PhotoReport['checks'][number];
type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown, digits = 0): string => (typeof v === 'number' && Number.isFinite(v) ? (digits === 0 ? String(Math.round(v)) : String(Math.round(v * 10 ** digits) / 10 ** digits)) : '—');
const pct = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v * 1000) / 10) : '—');
const sub = (v: unknown, key: string): unknown => (isDict(v) ? v[key] : undefined);

/** The measured values of a check as one sentence with the standard, or null when nothing was measured. */
export function measureInWords(check: Check, t: TFunction): string | null {
  const v = check.value;
  const th = check.threshold;
  if (v === null || v === undefined) return null;
  switch (check.id) {
    case 'format':
      return isDict(v) ? t('review.measure.format', { width: num(v.width), height: num(v.height), dpi: num(v.dpi), quality: num(v.quality), kb: num(typeof v.bytes === 'number' ? v.bytes / 1024 : undefined, 1) }) : null;
    case 'geometry':
      return isDict(v) ? t('review.measure.geometry', { eyeY: num(v.eyeY), faceWidth: num(v.faceWidth), hairTop: num(v.hairTop), offsetX: num(Math.abs(Number(v.offsetX ?? 0))) }) : null;
    case 'background':
      return isDict(v)
        ? t('review.measure.background', { r: num(v.r), g: num(v.g), b: num(v.b), de: num(v.deltaE2000, 1), warn: num(sub(sub(th, 'deltaE2000'), 'warn')), spread: num(v.spread, 1), gradient: num(v.gradient, 1) })
        : null;
    case 'exposure':
      return isDict(v)
        ? t('review.measure.exposure', {
            luma: num(v.meanLuma),
            low: num(sub(sub(th, 'meanLuma'), 'warnLow')),
            high: num(sub(sub(th, 'meanLuma'), 'warnHigh')),
            hi: pct(v.highlights),
            lo: pct(v.shadows),
            contrast: num(v.contrast),
            minContrast: num(sub(sub(th, 'contrast'), 'warn')),
          })
        : null;
    case 'sharpness':
      return isDict(v) ? t('review.measure.sharpness', { ratio: num(v.ratio, 3), min: num(sub(th, 'warn'), 2) }) : null;
    case 'faces':
      return t('review.measure.faces', { count: num(v) });
    case 'pose':
      return isDict(v)
        ? t('review.measure.pose', { roll: num(Math.abs(Number(v.roll ?? 0)), 1), yaw: num(Math.abs(Number(v.yaw ?? 0)), 1), rollWarn: num(sub(th, 'rollWarn')), rollMax: num(sub(th, 'rollMax')), yawWarn: num(sub(th, 'yawWarn')), yawMax: num(sub(th, 'yawMax')) })
        : null;
  }
}
