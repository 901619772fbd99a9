/** The Evaluate screen's pictures of a number model: scatter points, the diagonal, the residual histogram. */
import { describe, expect, it } from 'vitest';
import { diagonal, histogram, residuals, scatterPoints } from '../../src-renderer/lib/regression-view';

describe('regression views', () => {
  it('plots actual along x and predicted along y, thinned evenly to at most max points', () => {
    expect(scatterPoints([1, 2, 3], [10, 20, 30])).toEqual([{ x: 10, y: 1 }, { x: 20, y: 2 }, { x: 30, y: 3 }]);
    const many = Array.from({ length: 10 }, (_, i) => i);
    expect(scatterPoints(many, many, 4).map((p) => p.x)).toEqual([0, 3, 6, 9]);
  });

  it('draws the diagonal over the range of both axes', () => {
    expect(diagonal([{ x: 5, y: -2 }, { x: 9, y: 12 }])).toEqual([{ x: -2, y: -2 }, { x: 12, y: 12 }]);
    expect(diagonal([])).toEqual([]);
  });

  it('bins residuals between the smallest and the largest, the largest in the last bin', () => {
    const r = residuals([1, 1, 1, 1, 1], [0, 1, 2, 3, 5]);
    expect(r).toEqual([-1, 0, 1, 2, 4]);
    const h = histogram(r, 5);
    expect(h.counts).toEqual([1, 1, 1, 1, 1]);
    expect(h.labels[0]).toBe('-0.5');
    expect(h.labels[4]).toBe('3.5');
    expect(histogram([7, 7, 7]).counts).toEqual([3]);
    expect(histogram([NaN]).counts).toEqual([]);
  });
});
