import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StevedoreError } from '../../src/core/errors';
import { bytesSize, fromHumanSize, humanSize, IMAGE_LIST_SIZE_PRECISION, ramInBytes } from '../../src/core/format/humanSize';
import { formatFloat } from '../../src/core/format/goFloat';

// Expected values from go-units' size_test.go, plus Docker's image list precision (3).
test('humanSize matches units.HumanSize (precision 4)', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [10, '10B'],
    [999, '999B'],
    [1000, '1kB'],
    [1024, '1.024kB'],
    [1e6, '1MB'],
    [1048576, '1.049MB'],
    [2e6, '2MB'],
    [3.42e9, '3.42GB'],
    [5.372e12, '5.372TB'],
    [2.22e15, '2.22PB'],
    [1e28, '1e+04YB'],
    [1_234_567, '1.235MB'],
    [591_000_000, '591MB'],
    // Rounding happens after the unit is chosen, so this is not "1MB".
    [999_999, '1000kB'],
  ];
  for (const [bytes, expected] of cases) assert.equal(humanSize(bytes), expected, `humanSize(${bytes})`);
});

test('humanSize at the precision docker images uses (3)', () => {
  assert.equal(IMAGE_LIST_SIZE_PRECISION, 3);
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [10, '10B'],
    [10_000, '10kB'],
    [591_000_000, '591MB'],
    [1_234_567, '1.23MB'],
    [77_800_000, '77.8MB'],
    [1024, '1.02kB'],
    // Go's %.3g of 999.999 is "1e+03": Docker really prints this.
    [999_999, '1e+03kB'],
    // An exact tie rounds to even in Go (1.125 → 1.12), unlike toPrecision.
    [1125, '1.12kB'],
    [1135, '1.14kB'],
    [2500, '2.5kB'],
    [12_500_000, '12.5MB'],
    [1_001_500, '1MB'],
    [1_002_500, '1MB'],
    [1_003_500, '1MB'],
  ];
  for (const [bytes, expected] of cases) assert.equal(humanSize(bytes, IMAGE_LIST_SIZE_PRECISION), expected, `humanSize(${bytes}, 3)`);
});

test('bytesSize matches units.BytesSize', () => {
  assert.equal(bytesSize(1024), '1KiB');
  assert.equal(bytesSize(1024 * 1024), '1MiB');
  assert.equal(bytesSize(2 * 1024 ** 2), '2MiB');
  assert.equal(bytesSize(3.42 * 1024 ** 3), '3.42GiB');
  assert.equal(bytesSize(5.372 * 1024 ** 4), '5.372TiB');
  assert.equal(bytesSize(2.22 * 1024 ** 5), '2.22PiB');
  assert.equal(bytesSize(1024 ** 10), '1.049e+06YiB');
});

test('fromHumanSize and ramInBytes parse like go-units', () => {
  assert.equal(fromHumanSize('32'), 32);
  assert.equal(fromHumanSize('32b'), 32);
  assert.equal(fromHumanSize('32K'), 32_000);
  assert.equal(fromHumanSize('32kb'), 32_000);
  assert.equal(fromHumanSize('32Mb'), 32_000_000);
  assert.equal(fromHumanSize('32.5 kB'), 32_500);
  assert.equal(fromHumanSize('32.5 B'), 32);
  assert.equal(fromHumanSize('0.3 K'), 300);
  assert.equal(ramInBytes('32k'), 32 * 1024);
  assert.equal(ramInBytes('32KIB'), 32 * 1024);
  assert.equal(ramInBytes('32PB'), 32 * 1024 ** 5);
  assert.equal(ramInBytes('32.3 mb'), Math.trunc(32.3 * 1024 * 1024));
  for (const bad of ['', 'hello', '-32', '.3kB', ' 32 ', '32m b', '32bm']) {
    assert.throws(() => fromHumanSize(bad), (err: unknown) => err instanceof StevedoreError && err.message === `invalid size: '${bad}'`);
  }
  assert.throws(() => fromHumanSize('1.2.3'), /strconv\.ParseFloat: parsing "1\.2\.3": invalid syntax/);
});

test('formatFloat follows strconv.FormatFloat', () => {
  assert.equal(formatFloat(1e6, 'g', -1), '1e+06');
  assert.equal(formatFloat(123456, 'g', -1), '123456');
  assert.equal(formatFloat(1234567, 'g', -1), '1.234567e+06');
  assert.equal(formatFloat(0.0001, 'g', -1), '0.0001');
  assert.equal(formatFloat(0.00001, 'g', -1), '1e-05');
  assert.equal(formatFloat(0, 'g', 3), '0');
  assert.equal(formatFloat(0, 'e', 2), '0.00e+00');
  assert.equal(formatFloat(2.5, 'f', 0), '2');
  assert.equal(formatFloat(3.5, 'f', 0), '4');
  assert.equal(formatFloat(0.125, 'f', 2), '0.12');
  assert.equal(formatFloat(1.005, 'f', 2), '1.00');
  assert.equal(formatFloat(-1.5, 'e', 3), '-1.500e+00');
  assert.equal(formatFloat(1e100, 'g', 4), '1e+100');
  assert.equal(formatFloat(Infinity, 'g', -1), '+Inf');
  assert.equal(formatFloat(Number.NaN, 'f', 2), 'NaN');
  // Exact ties round to even in 'e' and 'g' too; near-ties round by the exact value.
  assert.equal(formatFloat(0.125, 'g', 2), '0.12');
  assert.equal(formatFloat(0.375, 'g', 2), '0.38');
  assert.equal(formatFloat(2.5, 'e', 0), '2e+00');
  assert.equal(formatFloat(1.15, 'g', 2), '1.1');
  assert.equal(formatFloat(9.995, 'g', 3), '9.99');
  assert.equal(formatFloat(9.9951, 'g', 3), '10');
  assert.equal(formatFloat(5e-324, 'g', 3), '4.94e-324');
  assert.equal(formatFloat(1.7976931348623157e308, 'e', 3), '1.798e+308');
  assert.equal(formatFloat(123456789012345680000, 'g', 5), '1.2346e+20');
});
