import { describe, expect, it } from 'vitest';
import { keepServerHeapTight, operatorSizedHeap, SERVER_HEAP_GROWING_PERCENT } from '../../../src/engine/host/heap-growth.js';

describe("the server's heap growth", () => {
  it("keeps the operator's own heap sizing, from the command line or NODE_OPTIONS", () => {
    expect(operatorSizedHeap(['--max-old-space-size=512'], undefined)).toBe(true);
    expect(operatorSizedHeap([], '--enable-source-maps --max_old_space_size=300')).toBe(true);
    expect(operatorSizedHeap(['--heap-growing-percent=80'], '')).toBe(true);
    expect(operatorSizedHeap([], '--max-heap-size=1024')).toBe(true);
    expect(keepServerHeapTight([], '--max-old-space-size=512')).toBeUndefined();
  });

  it('sets its own factor when the operator said nothing about the heap', () => {
    expect(operatorSizedHeap(['--enable-source-maps'], '--trace-warnings')).toBe(false);
    expect(operatorSizedHeap(['--max-semi-space-size=16'], undefined)).toBe(false);
    expect(keepServerHeapTight(['--enable-source-maps'], undefined)).toBe(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
  });
});
