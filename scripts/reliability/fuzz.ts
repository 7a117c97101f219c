// T9's hostile inputs: damaged and crafted images, and damaged and crafted roster files (CSV and XLSX,
// decompression bombs among them). Deterministic from a seed, so a failure can be replayed.
import zlib from 'node:zlib';

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A ZIP of deflated entries; `lie` writes a false uncompressed size into the headers (as bombs do). */
export function zip(entries: { name: string; data: Buffer; deflated?: Buffer; crc?: number; lie?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = e.deflated ?? zlib.deflateRawSync(e.data);
    const crc = e.crc ?? crc32(e.data);
    const size = e.lie ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, packed);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(size >>> 0, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + packed.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

const CONTENT_TYPES = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
);
const RELS = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>');
const WORKBOOK = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>');
const WB_RELS = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>');

function xlsx(sheet: { data: Buffer; deflated?: Buffer; crc?: number; lie?: number }, extra: { name: string; data: Buffer }[] = []): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: CONTENT_TYPES },
    { name: '_rels/.rels', data: RELS },
    { name: 'xl/workbook.xml', data: WORKBOOK },
    { name: 'xl/_rels/workbook.xml.rels', data: WB_RELS },
    { name: 'xl/worksheets/sheet1.xml', ...sheet },
    ...extra,
  ]);
}

function sheetXml(rows: string[][]): Buffer {
  const cell = (v: string) => `<c t="inlineStr"><is><t>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</t></is></c>`;
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.map((r) => `<row>${r.map(cell).join('')}</row>`).join('')}</sheetData></worksheet>`);
}

/** A deflate stream of `mb` MB of one repeated chunk, built synchronously chunk by chunk. */
function deflateRepeated(head: Buffer, chunk: Buffer, times: number, tail: Buffer): { deflated: Buffer; crc: number; size: number } {
  const handle = zlib.deflateRawSync(Buffer.concat([head, Buffer.concat(Array(times).fill(chunk) as Buffer[]), tail]), { level: 9 });
  let crc = crc32(head);
  for (let i = 0; i < times; i++) crc = crc32(chunk, crc);
  crc = crc32(tail, crc);
  return { deflated: handle, crc, size: head.length + chunk.length * times + tail.length };
}

let bombCache: Buffer | undefined;
/** 64 MB of sheet XML in about 100 KB: over the compression-ratio limit (200×). */
function ratioBomb(): Buffer {
  if (!bombCache) {
    const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>');
    const row = Buffer.from('<row><c t="inlineStr"><is><t>2101110001</t></is></c></row>'.repeat(256));
    const tail = Buffer.from('</sheetData></worksheet>');
    const { deflated, crc, size } = deflateRepeated(head, row, Math.ceil((64 * 1024 * 1024) / row.length), tail);
    bombCache = xlsx({ data: Buffer.alloc(0), deflated, crc, lie: size });
  }
  return bombCache;
}

function mutate(base: Buffer, r: () => number): Buffer {
  const b = Buffer.from(base);
  const kind = Math.floor(r() * 6);
  const at = () => Math.floor(r() * b.length);
  switch (kind) {
    case 0: // bit flips
      for (let i = 0; i < 1 + Math.floor(r() * 20); i++) {
        const j = at();
        b[j] = b[j]! ^ (1 << Math.floor(r() * 8));
      }
      return b;
    case 1: // truncated
      return b.subarray(0, Math.floor(r() * b.length));
    case 2: // random bytes overwritten in a run
      {
        const from = at();
        for (let i = from; i < Math.min(b.length, from + 1 + Math.floor(r() * 512)); i++) b[i] = Math.floor(r() * 256);
      }
      return b;
    case 3: // a chunk duplicated
      {
        const from = at();
        const len = Math.floor(r() * 4096);
        return Buffer.concat([b.subarray(0, from), b.subarray(from, from + len), b.subarray(from)]);
      }
    case 4: // 0xFF / 0x00 runs (markers, lengths)
      {
        const from = at();
        const v = r() < 0.5 ? 0xff : 0x00;
        for (let i = from; i < Math.min(b.length, from + 1 + Math.floor(r() * 64)); i++) b[i] = v;
      }
      return b;
    default: // random garbage of random length
      return Buffer.from(Array.from({ length: Math.floor(r() * 8192) }, () => Math.floor(r() * 256)));
  }
}

/** A JPEG whose frame header claims `w`×`h` pixels (a decompression bomb by its header). */
function jpegClaiming(base: Buffer, w: number, h: number): Buffer {
  const b = Buffer.from(base);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(h, i + 5);
      b.writeUInt16BE(w, i + 7);
      return b;
    }
  }
  return b;
}

/** A PNG whose header claims `w`×`h` pixels with a tiny zero IDAT (a classic bomb). */
function pngClaiming(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64 * 1024))), chunk('IEND', Buffer.alloc(0))]);
}

/** The i-th fuzzed image: mostly mutations of real photos, every 10th a crafted bomb or impostor. */
export function fuzzImage(i: number, bases: Buffer[], seed: number): { name: string; bytes: Buffer } {
  const r = rng(seed * 7919 + i);
  const base = bases[i % bases.length]!;
  switch (i % 10) {
    case 0: {
      const special = [
        () => jpegClaiming(base, 65_000, 65_000),
        () => pngClaiming(60_000, 60_000),
        () => Buffer.from('GIF89a'),
        () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), Buffer.alloc(70_000, 0x41)]),
        () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>'),
        () => Buffer.alloc(0),
        () => Buffer.concat([base, base]),
        () => jpegClaiming(base, 1, 65_000),
      ];
      return { name: `bomb-${i}.jpg`, bytes: special[Math.floor(i / 10) % special.length]!() };
    }
    default:
      return { name: `fuzz-${i}.jpg`, bytes: mutate(base, r) };
  }
}

/** The i-th fuzzed roster: CSV and XLSX alike, mutations of a valid file and crafted bombs. */
export function fuzzRoster(i: number, csv: Buffer, seed: number): { name: string; bytes: Buffer } {
  const r = rng(seed * 104_729 + i);
  const rows = csv
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(','));
  const validXlsx = xlsx({ data: sheetXml(rows) });
  switch (i % 10) {
    case 0:
      return { name: `bomb-${i}.xlsx`, bytes: ratioBomb() };
    case 1: // a sheet whose header lies about its size
      return { name: `liar-${i}.xlsx`, bytes: xlsx({ data: sheetXml(rows), lie: 1 }) };
    case 2: // many entries
      return { name: `entries-${i}.xlsx`, bytes: xlsx({ data: sheetXml(rows) }, Array.from({ length: 12_000 }, (_, k) => ({ name: `x/${k}.xml`, data: Buffer.from('<a/>') }))) };
    case 3: // a very wide row
      return { name: `wide-${i}.csv`, bytes: Buffer.from(`${rows[0]!.join(',')}\n${Array(5000).fill('x').join(',')}\n`) };
    case 4: // a very long cell, unterminated quote
      return { name: `quote-${i}.csv`, bytes: Buffer.concat([csv, Buffer.from('"'), Buffer.alloc(200_000, 0x61)]) };
    case 5: // GBK-looking bytes and NULs
      return { name: `bytes-${i}.csv`, bytes: Buffer.from(Array.from({ length: 4096 }, () => (r() < 0.1 ? 0 : 0x80 + Math.floor(r() * 0x7f)))) };
    case 6:
    case 7:
      return { name: `mutated-${i}.xlsx`, bytes: mutate(validXlsx, r) };
    default:
      return { name: `mutated-${i}.csv`, bytes: mutate(csv, r) };
  }
}
