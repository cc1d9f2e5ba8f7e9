import { dailyBarChart, niceScale } from '../../gateway/usage/reports/charts';

describe('the daily bar chart', () => {
  test.each([
    [0, 1, [0, 1]],
    [1, 1, [0, 1]],
    [3, 3, [0, 1, 2, 3]],
    [7, 8, [0, 2, 4, 6, 8]],
    [38, 40, [0, 10, 20, 30, 40]],
    [1262, 1500, [0, 500, 1000, 1500]],
  ])('a maximum of %d gets the scale top %d in round steps', (max, top, steps) => {
    expect(niceScale(max)).toEqual({ max: top, steps });
  });

  test('one bar per day with a count, stacked by series, none for empty days', () => {
    const svg = dailyBarChart({ title: 'Launches', description: 'd' }, ['2026-12-01', '2026-12-02', '2026-12-03'], [
      { name: 'A', values: [2, 0, 1] },
      { name: 'B', values: [1, 0, 0] },
    ]).value;
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width/g)).toHaveLength(3 + 2); // three bar pieces + two legend keys
    expect(svg).not.toContain('polyline');
  });
});
