import { describe, expect, it } from '@jest/globals';
import { perSecond, roundOrder, spreadOf, summarizeSamples, summaryTable, type Sample } from './l4-tls-report.js';

const sample = (scenario: string, metric: string, round: number, value: number): Sample => ({
  scenario,
  metric,
  round,
  value,
});

describe('summarizeSamples', () => {
  const samples = [
    sample('direct', 'conn/s', 1, 1000),
    sample('lb', 'conn/s', 1, 900),
    sample('lb', 'conn/s', 2, 700),
    sample('direct', 'conn/s', 2, 1200),
    sample('lb', 'conn/s', 3, 800),
    sample('direct', 'conn/s', 3, 1100),
    sample('direct', 'tcp1 Gbit/s', 1, 10),
    sample('lb', 'tcp1 Gbit/s', 1, 9.5),
  ];

  it('takes the nearest-rank median per metric and scenario and relates it to the baseline', () => {
    const summary = summarizeSamples(samples, 'direct');
    expect(summary).toEqual([
      { metric: 'conn/s', scenario: 'direct', runs: 3, median: 1100, min: 1000, max: 1200 },
      { metric: 'conn/s', scenario: 'lb', runs: 3, median: 800, min: 700, max: 900, ratio: 0.727 },
      { metric: 'tcp1 Gbit/s', scenario: 'direct', runs: 1, median: 10, min: 10, max: 10 },
      { metric: 'tcp1 Gbit/s', scenario: 'lb', runs: 1, median: 9.5, min: 9.5, max: 9.5, ratio: 0.95 },
    ]);
  });

  it('gives no ratio when the baseline was not measured', () => {
    const summary = summarizeSamples([sample('lb', 'conn/s', 1, 5)], 'direct');
    expect(summary[0]).not.toHaveProperty('ratio');
  });

  it('prints one row per metric and scenario with the ratio as a percentage', () => {
    const table = summaryTable(summarizeSamples(samples, 'direct'), 'direct');
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^metric\s+scenario\s+runs\s+median\s+min\s+max\s+vs direct$/);
    expect(lines).toHaveLength(6);
    expect(lines[3]).toMatch(/^conn\/s\s+lb\s+3\s+800\s+700\s+900\s+72\.7 %$/);
    expect(lines[5]).toMatch(/^tcp1 Gbit\/s\s+lb\s+1\s+9\.50\s+9\.50\s+9\.50\s+95\.0 %$/);
  });
});

describe('helpers', () => {
  it('perSecond divides by elapsed seconds, 0 for an empty run', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(5, 0)).toBe(0);
  });

  it('spreadOf gives the total and the largest and smallest share', () => {
    expect(spreadOf({ a: 50, b: 30, c: 20 })).toEqual({ total: 100, maxShare: 0.5, minShare: 0.2 });
    expect(spreadOf({})).toEqual({ total: 0, maxShare: 0, minShare: 0 });
  });

  it('roundOrder alternates the order so drift hits every scenario alike', () => {
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['c', 'b', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
  });
});
