// The pool packs each chunk into fresh flat buffers and transfers those to the worker: the caller's
// items are never detached or changed, and the chunk's buffers move instead of being copied.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItem, type BatchResult, ed25519 } from '../../bindings/index.ts';
import { createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { freshSeed, randomBatch } from './support.ts';

let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 2 });
});
afterAll(async () => {
  await pool?.close();
});

interface Snapshot {
  item: BatchItem;
  fields: { value: unknown; buffer?: ArrayBufferLike; bufferLength?: number; bytes?: number[] }[];
}

function snapshot(items: BatchItem[]): Snapshot[] {
  return items.map((item) => ({
    item,
    fields:
      item === null
        ? []
        : [item.message, item.signature, item.publicKey].map((value) =>
            value instanceof Uint8Array
              ? { value, buffer: value.buffer, bufferLength: value.buffer.byteLength, bytes: Array.from(value) }
              : { value },
          ),
  }));
}

describe('buffers', () => {
  it("the caller's items are unchanged and not detached after verifyBatch", async () => {
    const seed = freshSeed();
    const { items, bad } = randomBatch(seed, 1500, 0.05);
    const before = snapshot(items);
    const array = items.slice();
    const first = await pool.verifyBatch(items);
    expect(first.invalid, `seed ${seed}`).toEqual(bad);
    expect(items, `seed ${seed}: the array itself is untouched`).toEqual(array);
    before.forEach(({ item, fields }, i) => {
      expect(items[i], `seed ${seed} #${i}: same item object`).toBe(item);
      if (item === null) return;
      const now = [item.message, item.signature, item.publicKey];
      fields.forEach((field, f) => {
        expect(now[f], `seed ${seed} #${i}.${f}: same field object`).toBe(field.value);
        if (field.bytes === undefined) return;
        const view = now[f] as Uint8Array;
        expect(view.buffer, `seed ${seed} #${i}.${f}: same buffer`).toBe(field.buffer);
        expect(view.buffer.byteLength, `seed ${seed} #${i}.${f}: buffer detached`).toBe(field.bufferLength);
        expect(Array.from(view), `seed ${seed} #${i}.${f}: bytes changed`).toEqual(field.bytes);
      });
    });
    // Still usable: the same items give the same answer again, here and in the pool.
    expect(ed25519.verifyBatch(items), `seed ${seed}`).toEqual(first);
    expect(await pool.verifyBatch(items), `seed ${seed}`).toEqual(first);
  });

  it('each chunk is posted with its five packed buffers in the transfer list, and they are detached after', async () => {
    const seed = freshSeed();
    const { items, bad } = randomBatch(seed, 1000, 0.05);
    const callerBuffers = new Set<ArrayBufferLike>(
      items
        .flatMap((item) => (item === null ? [] : [item.message, item.signature, item.publicKey]))
        .filter((v): v is Uint8Array => v instanceof Uint8Array)
        .map((v) => v.buffer),
    );
    const posted: { buffers: ArrayBuffer[]; lengths: number[] }[] = [];
    const original = Worker.prototype.postMessage;
    // comlink binds postMessage when the pool spawns its workers, so patch before creating the pool.
    Worker.prototype.postMessage = function (this: Worker, message: unknown, transferList?: readonly unknown[]) {
      const buffers = (transferList ?? []).filter((t): t is ArrayBuffer => t instanceof ArrayBuffer);
      if (buffers.length > 0) posted.push({ buffers, lengths: buffers.map((b) => b.byteLength) });
      return original.call(this, message, transferList as never);
    };
    let result: BatchResult;
    let watched: VerifierPool | undefined;
    try {
      watched = await createVerifierPool({ workers: 2 });
      result = await watched.verifyBatch(items);
    } finally {
      Worker.prototype.postMessage = original;
      await watched?.close();
    }
    expect(result.invalid, `seed ${seed}`).toEqual(bad);
    expect(posted, `seed ${seed}: one transferring post per chunk (1000 items, 2 workers)`).toHaveLength(2);
    let signatureBytes = 0;
    for (const { buffers, lengths } of posted) {
      expect(buffers).toHaveLength(5);
      expect(new Set(buffers).size, 'five distinct buffers').toBe(5);
      for (const buffer of buffers) {
        expect(callerBuffers.has(buffer), "a caller's buffer was transferred").toBe(false);
        expect(buffer.byteLength, 'a transferred buffer is detached in this thread').toBe(0);
      }
      signatureBytes += lengths[2]!; // order: messages, messageEnds, signatures, publicKeys, indices
    }
    const packable = items.filter(
      (item) =>
        item !== null &&
        item.message instanceof Uint8Array &&
        item.signature instanceof Uint8Array &&
        item.signature.length === 64 &&
        item.publicKey instanceof Uint8Array &&
        item.publicKey.length === 32,
    ).length;
    expect(signatureBytes, `seed ${seed}: packed signature bytes across chunks`).toBe(64 * packable);
  });
});
