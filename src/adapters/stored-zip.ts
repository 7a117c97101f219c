// A streaming ZIP of stored (not deflated) entries for the registry package (decision 0024, "measured"): each
// entry's bytes are in memory already (one photo), so its CRC-32 and sizes go in its local header and no data
// descriptor is needed; what is kept until the end is only the central directory (about 80 bytes an entry).
// ZIP64 records are written when the archive passes 65,535 entries or 4 GB. Replaces `archiver`, whose time and
// memory grew with the number of entries (2,000 entries 3.3 s, 10,000 entries 11.2 s and 582 MB peak RSS).
import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC) of `bytes`: zlib's where Node has it (20.15+), a table otherwise. */
export function crc32(bytes: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (native) return native(bytes) >>> 0;
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_NAMES = 0x0800;

/**
 * Writes a ZIP: `add` returns the bytes of one entry (local header + data) to pass on, `finish` the central
 * directory and its end records. The caller streams them in that order.
 */
export class StoredZipWriter {
  private offset = 0;
  private count = 0;
  private readonly central: Buffer[] = [];
  private centralSize = 0;
  private readonly stamp: { time: number; date: number };

  constructor(date: Date) {
    this.stamp = dosDateTime(date);
  }

  add(name: string, data: Uint8Array): Buffer[] {
    if (data.length >= MAX32) throw new Error(`zip entry ${name} is 4 GB or more`);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(this.stamp.time, 10);
    local.writeUInt16LE(this.stamp.date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);

    const zip64 = this.offset >= MAX32;
    const extra = zip64 ? Buffer.alloc(12) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(this.offset), 4);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4); // made by: UNIX
    cd.writeUInt16LE(zip64 ? 45 : 20, 6);
    cd.writeUInt16LE(UTF8_NAMES, 8);
    cd.writeUInt16LE(0, 10);
    cd.writeUInt16LE(this.stamp.time, 12);
    cd.writeUInt16LE(this.stamp.date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(nameBytes.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt16LE(0, 32); // comment
    cd.writeUInt16LE(0, 34); // disk
    cd.writeUInt16LE(0, 36); // internal attributes
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    cd.writeUInt32LE(zip64 ? MAX32 : this.offset, 42);
    const entry = Buffer.concat([cd, nameBytes, extra]);
    this.central.push(entry);
    this.centralSize += entry.length;
    this.count++;
    this.offset += local.length + nameBytes.length + data.length;
    return [local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.length)];
  }

  finish(): Buffer[] {
    const cdOffset = this.offset;
    const out: Buffer[] = [...this.central];
    const zip64 = this.count >= MAX16 || cdOffset >= MAX32 || this.centralSize >= MAX32;
    if (zip64) {
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE((3 << 8) | 45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeUInt32LE(0, 16);
      rec.writeUInt32LE(0, 20);
      rec.writeBigUInt64LE(BigInt(this.count), 24);
      rec.writeBigUInt64LE(BigInt(this.count), 32);
      rec.writeBigUInt64LE(BigInt(this.centralSize), 40);
      rec.writeBigUInt64LE(BigInt(cdOffset), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(cdOffset + this.centralSize), 8);
      loc.writeUInt32LE(1, 16);
      out.push(rec, loc);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(zip64 ? MAX16 : this.count, 8);
    end.writeUInt16LE(zip64 ? MAX16 : this.count, 10);
    end.writeUInt32LE(zip64 ? MAX32 : this.centralSize, 12);
    end.writeUInt32LE(zip64 ? MAX32 : cdOffset, 16);
    end.writeUInt16LE(0, 20);
    out.push(end);
    return out;
  }
}
