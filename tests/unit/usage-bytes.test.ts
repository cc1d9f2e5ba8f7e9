import { readableBytes } from '../../gateway/usage/reports/bytes';

/** Bytes on the usage page: B/KB/MB/GB/TB (decimal, as disks and networks count), 3 significant figures. */
describe('readableBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1_000, '1.0 KB'],
    [28_000, '28 KB'],
    [28_672, '29 KB'],
    [512_400, '512 KB'],
    [2_500_000, '2.5 MB'],
    [999_999, '1.0 MB'],
    [1_234_567_890, '1.2 GB'],
    [12_345_678_901_234, '12 TB'],
  ])('%d bytes in English is %s', (bytes, text) => {
    expect(readableBytes(bytes, 'en')).toBe(text);
  });

  it('groups digits in either language and uses the same unit symbols in Chinese', () => {
    expect(readableBytes(28_000, 'zh')).toBe('28 KB');
    expect(readableBytes(2_500_000, 'zh')).toBe('2.5 MB');
    expect(readableBytes(5e18, 'en')).toBe('5,000,000 TB');
  });
});
