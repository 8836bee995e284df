// The journal as one append-only file, `journal.scj` in the merchant's directory:
//   header  "SCJ1"
//   record  length (u32 BE) ‖ checksum (first 8 bytes of SHA-256 of the payload) ‖ payload (CBOR)
// `append` writes one frame and fsyncs the file before it resolves (the directory too when the
// file was created), so a resolved append survives power loss. A crash in the middle of an append
// leaves a torn last frame (short, with a checksum that does not match, or zeroed): `load` detects it,
// ignores it and cuts it off so the next append starts on a clean boundary. Damage anywhere else
// is not a crash signature and is refused (JournalCorruptError) rather than silently dropped.
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { sha256 } from '../../bindings/index.ts';
import { type CheckStore, decodeRecord, encodeRecord, JournalCorruptError, type JournalRecord } from './store.ts';

const MAGIC = new Uint8Array([0x53, 0x43, 0x4a, 0x31]); // "SCJ1"
const HEAD = 12;
/** A record above this is not one we wrote (a revocation list of 10,000 entries is ~200 KB). */
const MAX_RECORD = 64 * 1024 * 1024;

export const JOURNAL_FILE = 'journal.scj';

/** One framed record: length ‖ checksum ‖ payload. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEAD + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(sha256(payload).subarray(0, 8), 4);
  out.set(payload, HEAD);
  return out;
}

const sameChecksum = (payload: Uint8Array, stored: Uint8Array) => {
  const sum = sha256(payload);
  for (let i = 0; i < 8; i++) if (sum[i] !== stored[i]) return false;
  return true;
};

const zeroFrom = (bytes: Uint8Array, at: number) => {
  for (let i = at; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
};

export interface ParsedJournal {
  records: JournalRecord[];
  /** Bytes of whole, good records (header included): where the next append goes. */
  goodLength: number;
  /** Bytes after goodLength that were a torn last record (0 when the file ended cleanly). */
  tornBytes: number;
}

/** Parses a journal file's bytes (exported for tests and tools). */
export function parseJournal(bytes: Uint8Array): ParsedJournal {
  if (bytes.length === 0) return { records: [], goodLength: 0, tornBytes: 0 };
  if (bytes.length < MAGIC.length) return { records: [], goodLength: 0, tornBytes: bytes.length };
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) throw new JournalCorruptError(0, 'not a smartcheck merchant journal');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: JournalRecord[] = [];
  let at = MAGIC.length;
  while (at < bytes.length) {
    const torn = () => ({ records, goodLength: at, tornBytes: bytes.length - at });
    if (bytes.length - at < HEAD) return torn();
    // Some file systems extend a file before its data lands: a crash can leave the tail zeroed.
    if (zeroFrom(bytes, at)) return torn();
    const length = view.getUint32(at);
    if (length > MAX_RECORD) {
      // A garbage length in the last write can claim anything; a huge one mid-file is corruption.
      if (at + HEAD + Math.min(length, MAX_RECORD) >= bytes.length) return torn();
      throw new JournalCorruptError(at, `record length ${length}`);
    }
    const end = at + HEAD + length;
    if (end > bytes.length) return torn();
    const payload = bytes.subarray(at + HEAD, end);
    if (!sameChecksum(payload, bytes.subarray(at + 4, at + HEAD))) {
      if (end === bytes.length) return torn();
      throw new JournalCorruptError(at, 'checksum mismatch before the last record');
    }
    let record: JournalRecord;
    try {
      record = decodeRecord(payload);
    } catch (error) {
      throw new JournalCorruptError(at, `record does not decode: ${(error as Error).message}`);
    }
    records.push(record);
    at = end;
  }
  return { records, goodLength: at, tornBytes: 0 };
}

export class FileCheckStore implements CheckStore {
  readonly path: string;
  #handle: FileHandle | undefined;
  #tail: Promise<void> = Promise.resolve();
  #failed: Error | undefined;
  /** Torn bytes cut off by the last load (0: the file ended on a record boundary). */
  tornBytes = 0;

  constructor(readonly dir: string) {
    this.path = join(dir, JOURNAL_FILE);
  }

  /** Opens (creating the directory and file when missing) and reads every record. */
  async load(): Promise<JournalRecord[]> {
    await this.#tail;
    await this.#handle?.close();
    const created = await mkdir(this.dir, { recursive: true });
    // New directories' names must be durable too: fsync the parent of each one created.
    if (created) {
      let at = dirname(created);
      await syncDir(at);
      for (const part of relative(at, this.dir).split(sep).slice(0, -1)) {
        at = join(at, part);
        await syncDir(at);
      }
    }
    const handle = await open(this.path, 'a+', 0o600);
    this.#handle = handle;
    const bytes = new Uint8Array(await handle.readFile());
    const parsed = parseJournal(bytes);
    this.tornBytes = parsed.tornBytes;
    this.#failed = undefined;
    if (parsed.goodLength === 0) {
      // New (or torn before its header was whole): write the header; make the file's name durable.
      await handle.truncate(0);
      await handle.write(MAGIC, 0, MAGIC.length, 0);
      await handle.sync();
      await syncDir(this.dir);
    } else if (parsed.tornBytes > 0) {
      await handle.truncate(parsed.goodLength);
      await handle.sync();
    }
    return parsed.records;
  }

  /** Appends one record; resolves once it is on stable storage. Appends are written in call order. */
  append(record: JournalRecord): Promise<void> {
    const bytes = frame(encodeRecord(record));
    const next = this.#tail.then(async () => {
      const handle = this.#handle;
      if (!handle) throw new Error('FileCheckStore: call load() before append()');
      if (this.#failed)
        throw new Error(
          `FileCheckStore: an earlier append failed (${this.#failed.message}); load() again to cut its torn bytes`,
        );
      try {
        await handle.appendFile(bytes);
        await handle.sync();
      } catch (error) {
        // Part of the frame may be in the file: nothing may follow it until load() cuts it off.
        this.#failed = error as Error;
        throw error;
      }
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#handle?.close();
    this.#handle = undefined;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
