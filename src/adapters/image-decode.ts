import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { AppError, isAppError } from '../domain/errors.js';

/**
 * Safe decoding of camera photos (issue #4, part 2; PITFALLS F8–F12).
 *
 * Everything that can be refused is refused from the bytes alone, before libvips decodes a pixel and
 * before sharp reads the header: the format from its magic bytes (never the file name or the declared
 * type), the byte limit, the pixel count from the JPEG's own frame header (SOF), and the structure of
 * the file (segments running past the end, no end-of-image marker: a transfer cut off half-way). Only
 * then is sharp asked for the metadata (with the pixel limit set on that call too) and given a pipeline
 * that refuses truncated data (`failOn: 'truncated'`), applies the EXIF orientation, converts to sRGB
 * through the embedded ICC profile, and writes no metadata (EXIF, GPS, XMP, ICC) to any output.
 */
export interface DecodeLimits {
  maxBytes: number;
  maxPixels: number;
}

/** maxBytes 40 MiB; maxPixels 60_000_000 (a 50 MP camera fits; 30,000 × 30,000 does not) */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 40 * 1024 * 1024, maxPixels: 60_000_000 };

export interface DecodedPhoto {
  width: number; // after EXIF orientation is applied
  height: number;
  /** EXIF orientation found, 1 when none */
  orientation: number;
  colour: 'srgb' | 'converted-from-cmyk' | 'converted-from-icc';
  /** Width and height as stored in the file, before the orientation is applied. */
  storedWidth: number;
  storedHeight: number;
  /** Bytes of the file (the primary image ends at `jpeg.endOfImage`). */
  byteLength: number;
  /** What the frame header and the segments say (kept for the checks report: progressive, components …). */
  jpeg: JpegStructure;
  /**
   * A fresh sharp pipeline over the oriented sRGB image: limitInputPixels and failOn 'truncated' set,
   * EXIF orientation applied (autoOrient), converted to sRGB through the embedded ICC profile, no
   * metadata kept on output. Each call returns a new pipeline over the same bytes. Errors its output
   * calls throw (toBuffer …) are libvips errors: map them with `photoErrorFromSharp`.
   */
  open(): Sharp;
}

/** What a walk over the JPEG's segments found, without decoding anything. */
export interface JpegStructure {
  width: number;
  height: number;
  /** 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK */
  components: number;
  precision: number;
  /** The SOF marker's second byte: 0xC0 baseline, 0xC2 progressive … */
  sofMarker: number;
  progressive: boolean;
  /** An APP2 ICC_PROFILE segment is present. */
  hasIccProfile: boolean;
  /** An Adobe APP14 segment is present (its colour transform flag when it is). */
  adobeTransform: number | null;
  /** Offset just past the EOI marker (FF D9) ending the primary image; data after it (MPF …) is ignored. */
  endOfImage: number;
}

/** Formats named in PHOTO_FORMAT_UNSUPPORTED; words that read the same in Chinese and English. */
export type DetectedFormat =
  | 'JPEG'
  | 'PNG'
  | 'HEIC'
  | 'HEIF'
  | 'AVIF'
  | 'RAW (CR3)'
  | 'RAW (TIFF)'
  | 'RAW (RAF)'
  | 'GIF'
  | 'WebP'
  | 'BMP'
  | 'PDF'
  | 'JPEG 2000'
  | 'JPEG XL'
  | 'MP4/MOV'
  | 'ZIP'
  | 'HTML'
  | 'SVG/XML'
  | 'text'
  | 'unknown';

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** The file's format from its first bytes only (the file name and the declared type are never looked at). */
export function detectImageFormat(bytes: Buffer): DetectedFormat {
  const b = bytes;
  const at = (offset: number, ...values: number[]) => values.every((v, i) => b[offset + i] === v);
  const ascii = (offset: number, length: number) => b.subarray(offset, offset + length).toString('latin1');
  if (at(0, 0xff, 0xd8, 0xff)) return 'JPEG';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (ascii(4, 4) === 'ftyp' && b.length >= 12) {
    // ISO base media file: the major brand, then the compatible brands up to the box's size.
    const size = Math.min(b.readUInt32BE(0), b.length, 256);
    const brands = [ascii(8, 4)];
    for (let o = 16; o + 4 <= size; o += 4) brands.push(ascii(o, 4));
    if (brands[0] === 'crx ') return 'RAW (CR3)';
    if (brands.some((x) => AVIF_BRANDS.has(x))) return 'AVIF';
    if (brands.some((x) => HEIC_BRANDS.has(x))) return 'HEIC';
    if (brands.some((x) => HEIF_BRANDS.has(x))) return 'HEIF';
    return 'MP4/MOV';
  }
  // TIFF containers: Canon CR2, Nikon NEF, Sony ARW, Adobe DNG, plain TIFF; Olympus ORF, Panasonic RW2.
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a) || at(0, 0x49, 0x49, 0x52, 0x4f) || at(0, 0x49, 0x49, 0x55, 0x00)) return 'RAW (TIFF)';
  if (ascii(0, 15) === 'FUJIFILMCCD-RAW') return 'RAW (RAF)';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'WebP';
  if (ascii(0, 2) === 'BM' && b.length >= 26) return 'BMP';
  if (ascii(0, 5) === '%PDF-') return 'PDF';
  if (at(0, 0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20) || at(0, 0xff, 0x4f, 0xff, 0x51)) return 'JPEG 2000';
  if (at(0, 0xff, 0x0a) || at(0, 0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20)) return 'JPEG XL';
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return 'ZIP';
  return describeText(b.subarray(0, 1024));
}

/** HTML, XML/SVG or other text (e.g. an error page saved as `photo.jpg`), else 'unknown'. */
function describeText(head: Buffer): DetectedFormat {
  let s = head.toString('utf8');
  if (head.length >= 1024) s = s.replace(/\uFFFD{1,3}$/, ''); // a character cut by the 1 KiB sample
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const start = s.trimStart().slice(0, 256).toLowerCase();
  if (/^<(!doctype\s+html|html|head|body|meta|title|script|div|p|!--)[\s>]/.test(start)) return 'HTML';
  if (start.startsWith('<?xml') || start.startsWith('<svg')) return 'SVG/XML';
  const control = [...s].some((c) => c.charCodeAt(0) < 0x20 && c !== '\t' && c !== '\n' && c !== '\r' && c !== '\f');
  if (s.length > 0 && !s.includes('\uFFFD') && !control) return 'text';
  return 'unknown';
}

// JPEG markers (ITU T.81 B.1.1.3).
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const TEM = 0x01;
const isRst = (m: number) => m >= 0xd0 && m <= 0xd7;
/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

const truncated = () => new AppError('PHOTO_TRUNCATED');
/**
 * PHOTO_UNREADABLE with the reason said in the user's language ('jpeg-not-jpeg', 'jpeg-damaged',
 * 'jpeg-unsupported', 'jpeg-components': i18n.ts); what exactly was found (the byte offset, the decoder's own English) goes to
 * `details.found`, for the log and a support question, not into the sentence the operator reads (L3).
 */
const unreadable = (reason: 'jpeg-not-jpeg' | 'jpeg-damaged' | 'jpeg-unsupported' | 'jpeg-components', found: string) =>
  new AppError('PHOTO_UNREADABLE', { params: { reason }, details: { found } });

/**
 * Walks the JPEG's segments from SOI to the EOI of the primary image: the frame header (size,
 * components), ICC and Adobe segments, and every scan's entropy-coded data (over `indexOf`, so a 10 MB
 * file takes a few milliseconds). Throws PHOTO_TOO_MANY_PIXELS as soon as the frame header claims more
 * than `maxPixels` (before any further work), PHOTO_TRUNCATED when a segment runs past the end or no EOI
 * follows the last scan, PHOTO_UNREADABLE when the structure is not a JPEG's.
 */
export function readJpegStructure(bytes: Buffer, maxPixels: number = DEFAULT_DECODE_LIMITS.maxPixels): JpegStructure {
  const b = bytes;
  if (b.length < 4 || b[0] !== 0xff || b[1] !== SOI) throw unreadable('jpeg-not-jpeg', 'no JPEG start-of-image marker');
  let frame: Pick<JpegStructure, 'width' | 'height' | 'components' | 'precision' | 'sofMarker'> | undefined;
  let frameBlocks = 0;
  let hasIccProfile = false;
  let adobeTransform: number | null = null;
  let scans = 0;
  /** bytes of entropy-coded data over all scans */
  let scanBytes = 0;
  let pos = 2;
  for (;;) {
    // Between segments: one marker, possibly preceded by fill bytes (FF FF …).
    if (pos >= b.length) throw truncated();
    if (b[pos] !== 0xff) throw unreadable('jpeg-damaged', `unexpected byte 0x${b[pos]!.toString(16)} at offset ${pos} where a marker belongs`);
    while (pos < b.length && b[pos] === 0xff) pos++;
    if (pos >= b.length) throw truncated();
    const marker = b[pos]!;
    pos++;
    if (marker === EOI) {
      if (!frame) throw unreadable('jpeg-damaged', 'no frame header (SOF) before the end of the image');
      if (scans === 0) throw unreadable('jpeg-damaged', 'no image data (SOS) before the end of the image');
      // Issue 8 finding 5: a small file whose header claims a large frame, ended early with an EOI, was
      // decoded (libjpeg fills the missing blocks with grey and only warns) and accepted as a shot.
      if (scanBytes * 8 < minimumScanBits(frame.sofMarker, frameBlocks)) throw truncated();
      return { ...frame, progressive: isProgressive(frame.sofMarker), hasIccProfile, adobeTransform, endOfImage: pos };
    }
    if (isRst(marker) || marker === TEM || marker === SOI) continue;
    if (pos + 2 > b.length) throw truncated();
    const length = b.readUInt16BE(pos);
    if (length < 2) throw unreadable('jpeg-damaged', `segment 0xFF${marker.toString(16).toUpperCase()} with length ${length} at offset ${pos}`);
    const end = pos + length;
    if (end > b.length) throw truncated();
    const body = b.subarray(pos + 2, end);

    if (isSof(marker)) {
      if (body.length < 6) throw unreadable('jpeg-damaged', 'frame header (SOF) too short');
      const height = body.readUInt16BE(1);
      const width = body.readUInt16BE(3);
      const components = body[5]!;
      // The pixel limit comes first: a small file claiming 30,000 × 30,000 never reaches a decoder.
      if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
      if (width === 0 || height === 0) throw unreadable('jpeg-damaged', `frame header gives ${width} × ${height} pixels`);
      if (!frame) {
        frame = { width, height, components, precision: body[0]!, sofMarker: marker };
        frameBlocks = countBlocks(body, width, height);
      }
    } else if (marker === 0xe2 && body.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0') {
      hasIccProfile = true;
    } else if (marker === 0xee && body.subarray(0, 5).toString('latin1') === 'Adobe' && body.length >= 12) {
      adobeTransform = body[11]!;
    }
    pos = end;

    if (marker === SOS) {
      if (!frame) throw unreadable('jpeg-damaged', 'a scan (SOS) comes before the frame header (SOF)');
      scans++;
      const dataStart = pos;
      pos = skipEntropyCodedData(b, pos);
      scanBytes += pos - dataStart;
    }
  }
}

/**
 * 8 × 8 blocks of all components of the frame, from the sampling factors of its header: what the scans
 * must cover for the image to be whole.
 */
function countBlocks(sof: Buffer, width: number, height: number): number {
  const components = sof[5]!;
  const factors: { h: number; v: number }[] = [];
  for (let i = 0; i < components && 7 + i * 3 < sof.length; i++) {
    const hv = sof[7 + i * 3]!;
    factors.push({ h: Math.max(1, hv >> 4), v: Math.max(1, hv & 0x0f) });
  }
  const hMax = Math.max(1, ...factors.map((f) => f.h));
  const vMax = Math.max(1, ...factors.map((f) => f.v));
  let blocks = 0;
  for (const f of factors) blocks += Math.ceil(Math.ceil((width * f.h) / hMax) / 8) * Math.ceil(Math.ceil((height * f.v) / vMax) / 8);
  return blocks;
}

/**
 * The fewest bits of entropy-coded data a whole image can have. With Huffman coding (baseline, extended
 * and progressive: what cameras write) every block takes at least one bit (its DC difference; a code is
 * at least one bit long), so a file with fewer bits than blocks has lost part of its picture, whatever
 * markers close it. Arithmetic, lossless and hierarchical JPEGs have no such floor: 0, no check.
 */
function minimumScanBits(sofMarker: number, blocks: number): number {
  return sofMarker === 0xc0 || sofMarker === 0xc1 || sofMarker === 0xc2 ? blocks : 0;
}

/** From the start of a scan's data to the next marker that is not a stuffed byte (FF 00), a restart or fill. */
function skipEntropyCodedData(b: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    const ff = b.indexOf(0xff, pos);
    if (ff < 0 || ff + 1 >= b.length) throw truncated();
    const next = b[ff + 1]!;
    if (next === 0x00 || isRst(next)) {
      pos = ff + 2;
      continue;
    }
    if (next === 0xff) {
      pos = ff + 1; // fill byte: the marker follows
      continue;
    }
    return ff;
  }
}

function isProgressive(sof: number): boolean {
  return sof === 0xc2 || sof === 0xc6 || sof === 0xca || sof === 0xce;
}

function tooManyPixels(width: number | string, height: number | string, limit: number): AppError {
  return new AppError('PHOTO_TOO_MANY_PIXELS', { params: { width, height, limit: limit.toLocaleString('en-US') } });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} B`;
}

/** True when the ICC profile's description names sRGB (then no conversion changes the pixels). */
function isSrgbProfile(icc: Buffer | undefined): boolean {
  if (!icc || icc.length < 132) return false;
  const count = icc.readUInt32BE(128);
  for (let i = 0; i < Math.min(count, 100); i++) {
    const entry = 132 + i * 12;
    if (entry + 12 > icc.length) break;
    if (icc.subarray(entry, entry + 4).toString('latin1') !== 'desc') continue;
    const offset = icc.readUInt32BE(entry + 4);
    const data = icc.subarray(offset, offset + icc.readUInt32BE(entry + 8));
    // v2 'desc' holds ASCII, v4 'mluc' UTF-16BE: look for "sRGB" in both spellings.
    const utf16 = Buffer.from('\0s\0R\0G\0B', 'latin1');
    return data.includes('sRGB', 0, 'latin1') || data.includes(utf16);
  }
  return false;
}

/**
 * Checks a camera file and prepares its decoding. Refuses, with the AppError the photographer reads:
 * PHOTO_EMPTY, FILE_TOO_LARGE {limit}, PHOTO_FORMAT_UNSUPPORTED {format} (anything but JPEG),
 * PHOTO_TOO_MANY_PIXELS {width, height, limit}, PHOTO_TRUNCATED, PHOTO_CMYK_UNSUPPORTED (CMYK without an
 * ICC profile: a guessed profile shifts colours, F10), PHOTO_UNREADABLE {reason}.
 */
export async function decodeCameraPhoto(bytes: Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<DecodedPhoto> {
  if (bytes.length === 0) throw new AppError('PHOTO_EMPTY');
  if (bytes.length > limits.maxBytes) throw new AppError('FILE_TOO_LARGE', { params: { limit: formatBytes(limits.maxBytes) } });
  const format = detectImageFormat(bytes);
  if (format !== 'JPEG') throw new AppError('PHOTO_FORMAT_UNSUPPORTED', { params: { format } });
  const jpeg = readJpegStructure(bytes, limits.maxPixels);
  if (jpeg.components !== 1 && jpeg.components !== 3 && jpeg.components !== 4) {
    throw unreadable('jpeg-components', `${jpeg.components} colour components`);
  }
  if (jpeg.components === 4 && !jpeg.hasIccProfile) throw new AppError('PHOTO_CMYK_UNSUPPORTED');

  const options = { limitInputPixels: limits.maxPixels, failOn: 'truncated', autoOrient: true } as const;
  let meta: Metadata;
  try {
    // The header only, with the pixel limit on this call as well (PITFALLS F8).
    meta = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated' }).metadata();
  } catch (e) {
    throw photoErrorFromSharp(e, limits);
  }
  if (meta.format !== 'jpeg') throw new AppError('PHOTO_FORMAT_UNSUPPORTED', { params: { format: meta.format ? String(meta.format).toUpperCase() : 'unknown' } });
  if (jpeg.components === 4 && !meta.icc) throw new AppError('PHOTO_CMYK_UNSUPPORTED');

  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swap = orientation >= 5;
  const colour: DecodedPhoto['colour'] = jpeg.components === 4 ? 'converted-from-cmyk' : meta.icc && !isSrgbProfile(meta.icc) ? 'converted-from-icc' : 'srgb';
  return {
    width: swap ? jpeg.height : jpeg.width,
    height: swap ? jpeg.width : jpeg.height,
    orientation,
    colour,
    storedWidth: jpeg.width,
    storedHeight: jpeg.height,
    byteLength: bytes.length,
    jpeg,
    // sharp converts from the embedded profile (CMYK included) to sRGB on its own; toColourspace makes a
    // greyscale JPEG three channels. Metadata is never kept: no keepMetadata/withMetadata here.
    open: () => sharp(bytes, options).toColourspace('srgb'),
  };
}

/** Maps an error thrown by sharp/libvips while decoding into the right AppError (PHOTO_TRUNCATED, PHOTO_UNREADABLE {reason}, …). */
export function photoErrorFromSharp(e: unknown, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): AppError {
  if (isAppError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const m = message.toLowerCase();
  if (m.includes('pixel limit')) return tooManyPixels('?', '?', limits.maxPixels);
  if (m.includes('input buffer is empty') || m.includes('input file is missing')) return new AppError('PHOTO_EMPTY');
  if (m.includes('unsupported image format')) return new AppError('PHOTO_FORMAT_UNSUPPORTED', { params: { format: 'unknown' } });
  if (
    m.includes('premature end') ||
    m.includes('truncated') ||
    m.includes('out of data') ||
    m.includes('not enough data') ||
    m.includes('end of file') ||
    m.includes('read error')
  ) {
    return new AppError('PHOTO_TRUNCATED');
  }
  // libvips messages run over several lines ("VipsJpeg: …\nvips2jpeg: …"): the first one says it.
  const found = message.split('\n').find((l) => l.trim())?.trim().slice(0, 200) || 'unknown error';
  return unreadable(m.includes('unsupported') ? 'jpeg-unsupported' : 'jpeg-damaged', found);
}
