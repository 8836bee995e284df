// The file journal: records come back as written; a torn last record (a crash in the middle of
// an append, at any byte) is detected, ignored and cut off; damage elsewhere is refused.
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCheckStore, frame, JOURNAL_FILE, parseJournal } from '../../src/merchant/file-store.ts';
import {
  decodeRecord,
  encodeRecord,
  JournalCorruptError,
  type JournalRecord,
  MemoryCheckStore,
} from '../../src/merchant/index.ts';
import { tempDir } from './support.ts';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('journal');
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const records: JournalRecord[] = [
  {
    kind: 'slip',
    terminalId: 'T-1',
    terminalTxId: 1,
    purseId: 'P-1',
    slip: bytes(200, 1),
    slipHash: bytes(32, 2),
    amount: 1_000,
    time: 1_700_000_000,
  },
  {
    kind: 'check',
    check: bytes(400, 3),
    checkHash: bytes(32, 4),
    purseId: 'P-1',
    serial: 1,
    amount: 1_000,
    currency: 'EUR',
    channel: 0,
    slipHash: bytes(32, 2),
    terminalId: 'T-1',
    terminalTxId: 1,
    time: 1_700_000_001,
  },
  { kind: 'batch', batchId: bytes(16, 5), checkHashes: [bytes(32, 4)], time: 1_700_000_002 },
  {
    kind: 'receipt',
    batchId: bytes(16, 5),
    receipt: bytes(300, 6),
    outcomes: [[bytes(32, 4), 0, 1_000]],
    time: 1_700_000_003,
  },
  { kind: 'void', checkHash: bytes(32, 4), reason: 'test', time: 1_700_000_004 },
];

async function written(d: string, list = records): Promise<FileCheckStore> {
  const store = new FileCheckStore(d);
  expect(await store.load()).toEqual([]);
  for (const r of list) await store.append(r);
  return store;
}

describe('journal records', () => {
  it('every kind round-trips through CBOR', () => {
    for (const r of records) expect(decodeRecord(encodeRecord(r))).toEqual(r);
  });

  it('an unknown kind is refused', () => {
    expect(() => decodeRecord(encodeRecord({ kind: 'nope' } as unknown as JournalRecord))).toThrow(/unknown kind/);
  });

  it('the memory store gives back what was appended, as a restart would read it', async () => {
    const store = new MemoryCheckStore();
    for (const r of records) await store.append(r);
    expect(await store.load()).toEqual(records);
  });
});

describe('FileCheckStore', () => {
  it('creates its directory and file, and reads back every record in order after a reopen', async () => {
    const d = join(dir(), 'nested', 'merchant');
    const store = await written(d);
    await store.close();
    const again = new FileCheckStore(d);
    expect(await again.load()).toEqual(records);
    expect(again.tornBytes).toBe(0);
    await again.append(records[0]!);
    await again.close();
    expect((await new FileCheckStore(d).load()).length).toBe(records.length + 1);
  });

  it('a torn last record, cut at any byte, is ignored and cut off; the next append reads back', async () => {
    const d = dir();
    const store = await written(d, records.slice(0, 2));
    await store.close();
    const path = join(d, JOURNAL_FILE);
    const good = readFileSync(path);
    const last = frame(encodeRecord(records[2]!));
    for (let cut = 1; cut < last.length; cut++) {
      writeFileSync(path, good);
      appendFileSync(path, last.subarray(0, cut));
      const reopened = new FileCheckStore(d);
      expect(await reopened.load()).toEqual(records.slice(0, 2));
      expect(reopened.tornBytes).toBe(cut);
      expect(statSync(path).size).toBe(good.length);
      if (cut === 1 || cut === last.length - 1) {
        await reopened.append(records[3]!);
        await reopened.close();
        expect(await new FileCheckStore(d).load()).toEqual([records[0], records[1], records[3]]);
      } else await reopened.close();
    }
  });

  it('a whole-length last record with a wrong checksum (a torn write inside it) is ignored', async () => {
    const d = dir();
    await (await written(d)).close();
    const path = join(d, JOURNAL_FILE);
    const file = readFileSync(path);
    file[file.length - 5]! ^= 0xff;
    writeFileSync(path, file);
    const store = new FileCheckStore(d);
    expect(await store.load()).toEqual(records.slice(0, -1));
    await store.close();
  });

  it('a zeroed tail (the file grew before the data landed) is a torn record too', async () => {
    const d = dir();
    await (await written(d, records.slice(0, 2))).close();
    const path = join(d, JOURNAL_FILE);
    appendFileSync(path, new Uint8Array(700));
    const store = new FileCheckStore(d);
    expect(await store.load()).toEqual(records.slice(0, 2));
    expect(store.tornBytes).toBe(700);
    await store.close();
  });

  it('damage before the last record is refused, not skipped', async () => {
    const d = dir();
    await (await written(d)).close();
    const path = join(d, JOURNAL_FILE);
    const file = readFileSync(path);
    file[4 + 12 + 10]! ^= 0xff; // inside the first record's payload
    writeFileSync(path, file);
    await expect(new FileCheckStore(d).load()).rejects.toBeInstanceOf(JournalCorruptError);
    expect(() => parseJournal(new Uint8Array(file))).toThrow(/checksum mismatch before the last record/);
  });

  it('a file that is not a journal is refused', async () => {
    const d = dir();
    writeFileSync(join(d, JOURNAL_FILE), 'hello, world');
    await expect(new FileCheckStore(d).load()).rejects.toThrow(/not a smartcheck merchant journal/);
  });

  it('a crash before the header was whole: starts a fresh journal', async () => {
    const d = dir();
    writeFileSync(join(d, JOURNAL_FILE), 'SC');
    const store = new FileCheckStore(d);
    expect(await store.load()).toEqual([]);
    await store.append(records[0]!);
    await store.close();
    expect(await new FileCheckStore(d).load()).toEqual([records[0]]);
  });

  it('appends issued together land whole and in call order', async () => {
    const d = dir();
    const store = new FileCheckStore(d);
    await store.load();
    const many = Array.from(
      { length: 50 },
      (_, i): JournalRecord => ({ kind: 'void', checkHash: bytes(32, i), reason: `r${i}`, time: i }),
    );
    await Promise.all(many.map((r) => store.append(r)));
    await store.close();
    expect(await new FileCheckStore(d).load()).toEqual(many);
  });
});
