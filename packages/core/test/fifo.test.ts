import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fifo } from "../src/runtime/fifo.js";

describe("Fifo", () => {
  it("takes, shifts, pushes and unshifts like an array used as a queue, across compactions", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), n: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant("shift" as const), n: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant("take" as const), n: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ kind: fc.constant("unshift" as const), n: fc.integer({ min: 1, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const { kind, n } of ops) {
          if (kind === "push") {
            for (let i = 0; i < n; i++) {
              fifo.push(next);
              model.push(next++);
            }
          } else if (kind === "unshift") {
            for (let i = 0; i < n; i++) {
              fifo.unshift(next);
              model.unshift(next++);
            }
          } else if (kind === "shift") {
            // One comparison per operation: an expect per item made 300 runs take half a minute.
            const got: (number | undefined)[] = [];
            const want: (number | undefined)[] = [];
            for (let i = 0; i < n; i++) {
              got.push(fifo.shift());
              want.push(model.shift());
            }
            expect(got).toEqual(want);
          } else {
            expect(fifo.take(n)).toEqual(model.splice(0, n));
          }
          expect(fifo.length).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
