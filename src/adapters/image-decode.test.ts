// Safe decoding of camera photos (issue #4 part 2; PITFALLS F8–F12): every bad input of the issue
// that concerns decoding, from the fixtures built out of Debian's portraits (test/fixtures/make-photo-fixtures.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { craftGreyJpeg, DEFAULT_PHOTO_FIXTURE_DIR, makePhotoFixtures, withClaimedSize, type PhotoManifest } from '../../test/fixtures/make-photo-fixtures.js';
import { AppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';
import { decodeCameraPhoto, DEFAULT_DECODE_LIMITS, detectImageFormat, photoErrorFromSharp, readJpegStructure, type DecodedPhoto } from './image-decode.js';

let manifest: PhotoManifest;
beforeAll(async () => {
  manifest = await makePhotoFixtures(); // normally done by the global setup already (then a cache check only)
}, 300_000);

const fixture = (file: string) => readFile(join(DEFAULT_PHOTO_FIXTURE_DIR, file));

/** The AppError a decode throws (fails the test when it does not throw one). */
async function refusal(bytes: Buffer, limits = DEFAULT_DECODE_LIMITS): Promise<AppError> {
  const e = await decodeCameraPhoto(bytes, limits).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the decoder must refuse this input').toBeInstanceOf(AppError);
  return e as AppError;
}

const messages = (e: AppError) => ({ zh: translateError(e.code, e.params, 'zh'), en: translateError(e.code, e.params, 'en') });

/** Mean RGB of a w × h box of the decoded, oriented image. */
async function meanColour(photo: DecodedPhoto, box: { left: number; top: number; width: number; height: number }): Promise<[number, number, number]> {
  const { data, info } = await photo.open().extract(box).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const n = data.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

describe('decodeCameraPhoto: the bytes alone decide', () => {
  it('refuses a 0-byte file with PHOTO_EMPTY', async () => {
    const e = await refusal(await fixture('empty.jpg'));
    expect(e.code).toBe('PHOTO_EMPTY');
    expect(messages(e).zh).toContain('0 字节');
    expect(messages(e).en).toContain('0 bytes');
  });

  it('refuses a 50 MB file with FILE_TOO_LARGE naming the 40 MB limit, before looking inside', async () => {
    const bytes = await fixture('too-large-50mb.jpg');
    expect(bytes.length).toBeGreaterThanOrEqual(50 * 1024 * 1024 - 65_536);
    const e = await refusal(bytes);
    expect(e.code).toBe('FILE_TOO_LARGE');
    expect(e.params).toEqual({ limit: '40 MB' });
    expect(messages(e).zh).toContain('上限 40 MB');
    expect(messages(e).en).toContain('limit 40 MB');
    // The same bytes under a larger byte limit are a valid JPEG: only the size was refused.
    await expect(decodeCameraPhoto(bytes, { ...DEFAULT_DECODE_LIMITS, maxBytes: 60 * 1024 * 1024 })).resolves.toMatchObject({ width: 64, height: 48 });
  });

  it('refuses a real 30,000 × 30,000 JPEG (pixel bomb) with PHOTO_TOO_MANY_PIXELS, naming size and limit', async () => {
    const bytes = await fixture('pixel-bomb-30000.jpg');
    // It is a real image: libvips would decode it when told to (at 1/8 scale, to keep this test cheap).
    const probe = await sharp(bytes, { limitInputPixels: false }).resize(30).raw().toBuffer({ resolveWithObject: true });
    expect(probe.info.width).toBe(30);
    const e = await refusal(bytes);
    expect(e.code).toBe('PHOTO_TOO_MANY_PIXELS');
    expect(e.params).toEqual({ width: 30000, height: 30000, limit: '60,000,000' });
    expect(messages(e).zh).toBe('照片像素过多：30000 × 30000（上限 60,000,000 像素）');
    expect(messages(e).en).toBe('The photo has too many pixels: 30000 × 30000 (limit 60,000,000 pixels)');
  }, 60_000);

  it('refuses a file under 1 KB whose frame header claims 30,000 × 30,000 the same way, from its SOF alone', async () => {
    const bytes = await fixture('claims-30000.jpg');
    expect(bytes.length).toBeLessThan(1024);
    const e = await refusal(bytes);
    expect(e.code).toBe('PHOTO_TOO_MANY_PIXELS');
    expect(e.params).toMatchObject({ width: 30000, height: 30000 });
    expect(messages(e).en).toContain('30000 × 30000');
  });

  it('applies the pixel limit given, before sharp: a 12 MP photo under a 10 MP limit is refused', async () => {
    const e = await refusal(await fixture('id-blue-12mp.jpg'), { maxBytes: DEFAULT_DECODE_LIMITS.maxBytes, maxPixels: 10_000_000 });
    expect(e.code).toBe('PHOTO_TOO_MANY_PIXELS');
    expect(e.params).toEqual({ width: 3000, height: 4000, limit: '10,000,000' });
  });

  it('finds the frame size in any SOF marker (progressive SOF2 here), walking past APP segments', async () => {
    const progressive = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#abc' } })
      .withExif({ IFD0: { Make: 'x' } })
      .jpeg({ progressive: true })
      .toBuffer();
    const s = readJpegStructure(progressive);
    expect(s).toMatchObject({ width: 320, height: 200, components: 3, sofMarker: 0xc2, progressive: true });
    const claimed = withClaimedSize(progressive, 20_000, 20_000);
    expect(() => readJpegStructure(claimed)).toThrow(expect.objectContaining({ code: 'PHOTO_TOO_MANY_PIXELS' }));
  });

  it('refuses a JPEG cut off at 60 % (headers intact, as after an interrupted upload) with PHOTO_TRUNCATED', async () => {
    const e = await refusal(await fixture('truncated.jpg'));
    expect(e.code).toBe('PHOTO_TRUNCATED');
    expect(messages(e).zh).toContain('不完整');
    expect(messages(e).en).toContain('incomplete');
  });

  it('refuses a JPEG cut off inside its headers, and one cut a single byte short, with PHOTO_TRUNCATED', async () => {
    expect((await refusal(await fixture('truncated-header.jpg'))).code).toBe('PHOTO_TRUNCATED');
    const whole = await fixture('orientation-1.jpg');
    expect((await refusal(whole.subarray(0, whole.length - 1))).code).toBe('PHOTO_TRUNCATED');
  });

  it('refuses a 72 KB JPEG whose header claims 7745 × 7745 (issue 8 finding 5) with PHOTO_TRUNCATED: too little data for that many blocks', async () => {
    // A whole 600 × 800 photo of about 72 KB, ended by its own EOI, whose frame header is rewritten to a
    // size under the pixel limit: libjpeg decodes it with a warning and grey blocks, so sharp alone took it.
    const small = await sharp(await fixture('id-blue-12mp.jpg')).resize(600, 800).jpeg({ quality: 85 }).toBuffer();
    expect(small.length).toBeGreaterThan(40_000);
    expect(small.length).toBeLessThan(120_000);
    const claimed = withClaimedSize(small, 7745, 7745);
    expect(7745 * 7745).toBeLessThan(DEFAULT_DECODE_LIMITS.maxPixels);
    expect((await refusal(claimed)).code).toBe('PHOTO_TRUNCATED');
    expect(() => readJpegStructure(claimed)).toThrow(expect.objectContaining({ code: 'PHOTO_TRUNCATED' }));
    // The floor is one bit per block: the smallest whole JPEG of that size (two bits a block) still passes.
    const minimal = craftGreyJpeg(7745, 7745);
    expect(minimal.length).toBeLessThan(300_000);
    expect(readJpegStructure(minimal)).toMatchObject({ width: 7745, height: 7745 });
  });

  it('maps libvips truncation errors (the second line of defence, failOn truncated) to PHOTO_TRUNCATED', async () => {
    const whole = await fixture('orientation-1.jpg');
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    // The options open() uses: libvips itself refuses the cut file, and the mapping names it.
    const err = await sharp(cut, { limitInputPixels: DEFAULT_DECODE_LIMITS.maxPixels, failOn: 'truncated', autoOrient: true })
      .raw()
      .toBuffer()
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(err, 'libvips must fail on the missing scan data').toBeInstanceOf(Error);
    const mapped = photoErrorFromSharp(err);
    expect(mapped.code).toBe('PHOTO_TRUNCATED');
    expect(translateError(mapped.code, mapped.params, 'en')).toContain('incomplete');
  });

  it.each([
    ['photo.png', 'PNG'],
    ['png-named.jpg', 'PNG'],
    ['photo.heic', 'HEIC'],
    ['photo.avif', 'AVIF'],
    ['html-named.jpg', 'HTML'],
  ])('refuses %s as PHOTO_FORMAT_UNSUPPORTED naming %s and saying only JPEG is accepted', async (file, format) => {
    const e = await refusal(await fixture(file));
    expect(e.code).toBe('PHOTO_FORMAT_UNSUPPORTED');
    expect(e.params).toEqual({ format });
    const m = messages(e);
    expect(m.zh).toBe(`不支持的照片格式：${format}。只接受相机拍摄的 JPEG（.jpg）照片`);
    expect(m.en).toBe(`Unsupported photo format: ${format}. Only camera JPEG (.jpg) photos are accepted`);
  });

  it('names the other formats a station may send, from their magic bytes only', () => {
    const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
    expect(detectImageFormat(b([0x49, 0x49, 0x2a, 0x00], 'rest of a CR2/NEF/ARW/DNG'))).toBe('RAW (TIFF)');
    expect(detectImageFormat(b([0x4d, 0x4d, 0x00, 0x2a], 'big-endian TIFF'))).toBe('RAW (TIFF)');
    expect(detectImageFormat(b([0, 0, 0, 0x18], 'ftypcrx ', [0, 0, 0, 1], 'crx isom'))).toBe('RAW (CR3)');
    expect(detectImageFormat(b([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'mif1heic'))).toBe('HEIC');
    expect(detectImageFormat(b('GIF89a', [1, 0, 1, 0]))).toBe('GIF');
    expect(detectImageFormat(b('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toBe('WebP');
    expect(detectImageFormat(b('BM', new Array<number>(40).fill(0)))).toBe('BMP');
    expect(detectImageFormat(b('%PDF-1.7\n'))).toBe('PDF');
    expect(detectImageFormat(Buffer.from('\ufeff<?xml version="1.0"?><svg/>', 'utf8'))).toBe('SVG/XML');
    expect(detectImageFormat(b('just some words\n'))).toBe('text');
    expect(detectImageFormat(b([0x00, 0x01, 0x02, 0x03, 0x80, 0x81]))).toBe('unknown');
  });
});

describe('decodeCameraPhoto: colour', () => {
  it('converts a CMYK JPEG with an embedded ICC profile to sRGB through that profile (the blue stays blue)', async () => {
    const photo = await decodeCameraPhoto(await fixture('cmyk-icc.jpg'));
    expect(photo.colour).toBe('converted-from-cmyk');
    expect(photo.jpeg.components).toBe(4);
    // The top-left corner is the RGB(100,197,255) background; the profile round trip keeps it close.
    // RGB(100,197,255) lies outside the CMYK gamut, so the round trip moves it a little, never far.
    const [r, g, b] = await meanColour(photo, { left: 10, top: 10, width: 40, height: 40 });
    expect(Math.abs(r - 100)).toBeLessThan(40);
    expect(Math.abs(g - 197)).toBeLessThan(40);
    expect(Math.abs(b - 255)).toBeLessThan(40);
    expect(b > g && g > r, `still sky blue: ${[r, g, b].map(Math.round).join(',')}`).toBe(true);
    const out = await photo.open().jpeg().toBuffer();
    const meta = await sharp(out).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
  });

  it('refuses a CMYK JPEG without a profile with PHOTO_CMYK_UNSUPPORTED (a guessed profile shifts colours)', async () => {
    const e = await refusal(await fixture('cmyk-no-icc.jpg'));
    expect(e.code).toBe('PHOTO_CMYK_UNSUPPORTED');
    expect(messages(e).zh).toContain('CMYK');
    expect(messages(e).en).toContain('sRGB JPEG');
  });

  it('accepts a greyscale JPEG as three sRGB channels', async () => {
    const photo = await decodeCameraPhoto(await fixture('greyscale.jpg'));
    expect(photo.jpeg.components).toBe(1);
    expect(photo.colour).toBe('srgb');
    const { info } = await photo.open().raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
  });

  it('converts an RGB JPEG in Display P3 to sRGB and says so', async () => {
    const photo = await decodeCameraPhoto(await fixture('display-p3.jpg'));
    expect(photo.colour).toBe('converted-from-icc');
    const out = await sharp(await photo.open().jpeg().toBuffer()).metadata();
    expect(out.icc).toBeUndefined();
  });
});

describe('decodeCameraPhoto: EXIF orientation', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i: upright after decoding (red top-left, green top-right, 600 × 800)', async (o) => {
    const bytes = await fixture(`orientation-${o}.jpg`);
    const stored = await sharp(bytes).metadata();
    expect(stored.orientation).toBe(o);
    expect([stored.width, stored.height]).toEqual(o >= 5 ? [800, 600] : [600, 800]);
    const photo = await decodeCameraPhoto(bytes);
    expect(photo).toMatchObject({ orientation: o, width: 600, height: 800 });
    const { info } = await photo.open().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([600, 800]);
    const corner = { top: 20, width: 50, height: 50 };
    const [r1, g1, b1] = await meanColour(photo, { ...corner, left: 20 });
    const [r2, g2, b2] = await meanColour(photo, { ...corner, left: 600 - 70 });
    expect(r1, 'top-left is red').toBeGreaterThan(200);
    expect(g1 + b1).toBeLessThan(80);
    expect(g2, 'top-right is green').toBeGreaterThan(150);
    expect(r2 + b2).toBeLessThan(80);
  });

  it('reports the upright size of a 24 MP frame stored sideways with orientation 6', async () => {
    const photo = await decodeCameraPhoto(await fixture('id-blue-24mp-rotated-tag6.jpg'));
    expect(photo).toMatchObject({ orientation: 6, width: 4000, height: 6000, storedWidth: 6000, storedHeight: 4000 });
  });
});

describe('decodeCameraPhoto: metadata never reaches an output', () => {
  it('writes no EXIF, GPS, XMP or ICC to what open() encodes', async () => {
    const bytes = await fixture('exif-gps.jpg');
    const input = await sharp(bytes).metadata();
    expect(input.exif, 'the fixture carries EXIF').toBeDefined();
    expect(input.exif!.includes(Buffer.from([0x25, 0x88])), 'and a GPS IFD pointer (tag 0x8825)').toBe(true);
    const photo = await decodeCameraPhoto(bytes);
    const out = await photo.open().resize(480, 640).jpeg({ quality: 80 }).toBuffer();
    const meta = await sharp(out).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(out.includes(Buffer.from('GradphotoTestCam'))).toBe(false);
    expect(out.includes(Buffer.from('Exif\0\0'))).toBe(false);
  });
});

describe('decodeCameraPhoto: camera photos', () => {
  it('accepts the 12 MP and 24 MP ID photos, each open() a new pipeline over the same bytes', async () => {
    for (const file of ['id-blue-12mp.jpg', 'id-blue-24mp.jpg']) {
      const f = manifest.fixtures.find((x) => x.file === file)!;
      const photo = await decodeCameraPhoto(await fixture(file));
      expect(photo).toMatchObject({ width: f.expect.width, height: f.expect.height, orientation: 1, colour: 'srgb' });
      const a = await photo.open().resize(48, 64).raw().toBuffer();
      const b = await photo.open().resize(48, 64).raw().toBuffer();
      expect(a.equals(b)).toBe(true);
    }
  }, 60_000);

  it('ignores data after the end of the image (camera trailers, MPF) and reads a hand-made baseline JPEG', async () => {
    const small = craftGreyJpeg(64, 64);
    const photo = await decodeCameraPhoto(Buffer.concat([small, Buffer.from('trailer written by a camera')]));
    expect(photo).toMatchObject({ width: 64, height: 64, colour: 'srgb' });
    const px = await photo.open().raw().toBuffer();
    expect(px[0]).toBe(128);
  });

  it('maps other libvips failures to PHOTO_UNREADABLE said in words; the decoder\'s first line is kept in details (L3)', () => {
    const e = photoErrorFromSharp(new Error('VipsJpeg: Unsupported JPEG process: SOF type 0xcb\nvips_image_pio_input: ...'));
    expect(e.code).toBe('PHOTO_UNREADABLE');
    expect(e.params).toEqual({ reason: 'jpeg-unsupported' });
    expect(e.details).toEqual({ found: 'VipsJpeg: Unsupported JPEG process: SOF type 0xcb' });
    expect(translateError(e.code, e.params, 'zh')).toBe('无法解码该照片：照片使用了不支持的 JPEG 编码方式，请在相机中改用标准 JPEG 格式保存');
    expect(translateError(e.code, e.params, 'en')).not.toMatch(/Vips|SOF/);
    const damaged = photoErrorFromSharp(new Error('VipsJpeg: Corrupt JPEG data: bad Huffman code'));
    expect(translateError(damaged.code, damaged.params, 'zh')).toContain('照片文件已损坏');
    expect(photoErrorFromSharp(new Error('Input image exceeds pixel limit')).code).toBe('PHOTO_TOO_MANY_PIXELS');
  });
});
