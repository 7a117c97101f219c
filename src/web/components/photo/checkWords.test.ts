// The station's check details in words (issue 9 section 5): no raw keys (meanLuma, laplacianVariance, eyeY…),
// each measure in the photographer's units with the standard beside it, in Chinese and English.
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import type { PhotoReport } from '../../../contracts/photo.js';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import { measureInWords } from './checkWords.js';

type Check = PhotoReport['checks'][number];

// The values and thresholds of a real report (README: "A real report").
const CHECKS: Check[] = [
  { id: 'format', status: 'pass', message: '', measured: true, value: { width: 480, height: 640, channels: 3, dpi: 300, quality: 88, bytes: 39949 }, threshold: { width: 480, height: 640, channels: 3, dpi: 300, minQuality: 60, bytes: [20480, 40960] } },
  { id: 'geometry', status: 'pass', message: '', measured: true, value: { eyeY: 274, faceWidth: 207, hairTop: 71, offsetX: -3, upscale: 0.25, cameraFaceWidth: 831 }, threshold: { eyeY: [200, 300], faceWidth: [180, 300], hairTop: [50, 110], maxOffsetX: 24, maxUpscale: 1 } },
  { id: 'background', status: 'pass', message: '', measured: true, value: { deltaE2000: 0.2, spread: 0.3, gradient: 0, r: 101, g: 196, b: 254 }, threshold: { reference: { r: 100, g: 197, b: 255 }, deltaE2000: { warn: 10, fail: 20 }, spread: { warn: 8, fail: 15 }, gradient: { warn: 6, fail: 12 } } },
  { id: 'exposure', status: 'pass', message: '', measured: true, value: { meanLuma: 177.8, highlights: 0.001, shadows: 0, contrast: 37.6 }, threshold: { meanLuma: { failLow: 60, warnLow: 80, warnHigh: 205, failHigh: 225 }, clipped: { warn: 0.02, fail: 0.08 }, contrast: { fail: 10, warn: 18 } } },
  { id: 'sharpness', status: 'pass', message: '', measured: true, value: { ratio: 0.217, laplacianVariance: 66.2 }, threshold: { fail: 0.11, warn: 0.14 } },
  { id: 'faces', status: 'pass', message: '', measured: true, value: 1, threshold: 1 },
  { id: 'pose', status: 'warn', message: '', measured: true, value: { roll: 5.4, yaw: -1.2 }, threshold: { rollWarn: 4, rollMax: 8, yawWarn: 10, yawMax: 20 } },
];

async function translator(lng: 'zh' | 'en') {
  const i18n = i18next.createInstance();
  await i18n.init({ resources: { zh: { translation: zh }, en: { translation: en } }, lng, interpolation: { escapeValue: false } });
  return i18n.t;
}

describe('check details in words', () => {
  it('says each measure in units with its standard, without raw keys (zh)', async () => {
    const t = await translator('zh');
    const words = Object.fromEntries(CHECKS.map((c) => [c.id, measureInWords(c, t)]));
    expect(words.format).toBe('JPEG 480 × 640 像素，300 dpi，质量 88，39 KB（标准：480 × 640，300 dpi，质量 ≥ 60，20–40 KB）');
    expect(words.geometry).toBe('眼睛距上边缘 274 像素（标准 200–300），脸宽 207 像素（180–300），头顶距上边缘 71 像素（50–110），偏离中线 3 像素');
    expect(words.exposure).toBe('面部平均亮度 178/255（标准 80–205），过曝像素 0.1%，死黑像素 0%，对比度 38（不低于 18）');
    expect(words.sharpness).toBe('清晰度 0.217（不低于 0.14）');
    expect(words.faces).toBe('检测到 1 张人脸（应为 1 张）');
    expect(words.pose).toBe('头部倾斜 5.4°（超过 4° 提示，最大 8°），左右偏转约 1.2°（超过 10° 提示，最大 20°）');
    expect(words.background).toContain('ΔE 0.2');
    const all = Object.values(words).join(' ');
    for (const raw of ['meanLuma', 'laplacianVariance', 'deltaE2000', 'eyeY', 'hairTop', 'undefined', 'NaN', '[object']) expect(all).not.toContain(raw);
  });

  it('in English too; nothing measured gives null (the list says so)', async () => {
    const t = await translator('en');
    expect(measureInWords(CHECKS[3]!, t)).toBe('Mean face brightness 178/255 (standard 80–205), blown-out pixels 0.1%, crushed blacks 0%, contrast 38 (at least 18)');
    expect(measureInWords({ ...CHECKS[1]!, value: null }, t)).toBeNull();
  });
});
