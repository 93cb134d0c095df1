// Go's strconv.FormatFloat for the 'e', 'f' and 'g' formats, so that sizes and printf output
// match Docker digit for digit. JavaScript's toPrecision/toFixed round exact ties away from zero
// (1.125 → "1.13") where Go rounds them to even ("1.12"), so rounding works on the exact decimal
// expansion of the double instead.

export type FloatFormat = 'e' | 'f' | 'g';

/** A positive decimal: 0.digits × 10^dp, with no leading or trailing zeros in `digits`. */
interface Decimal {
  digits: string;
  dp: number;
}

const ZERO: Decimal = { digits: '', dp: 0 };

/** The exact decimal value of a finite positive double (every double is a finite decimal). */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) {
    exp2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp2 >= 0) {
    digits = (mantissa << BigInt(exp2)).toString();
    dp = digits.length;
  } else {
    // m / 2^k = m·5^k / 10^k
    digits = (mantissa * 5n ** BigInt(-exp2)).toString();
    dp = digits.length + exp2;
  }
  return trimZeros({ digits, dp });
}

/**
 * The first `nd` significant digits of a positive double, rounded as Go rounds them. toPrecision
 * rounds the exact value too, and differs from Go only on an exact tie (half away from zero
 * against half to even); a tie shows as a final 5 one digit further, and only then is the exact
 * expansion worked out. A few thousand sizes per `images` stay off BigInt this way.
 */
function significantDigits(x: number, nd: number): Decimal {
  if (nd >= 1 && nd < 100) {
    const further = x.toPrecision(nd + 1);
    const e = further.indexOf('e');
    if (further[(e < 0 ? further.length : e) - 1] !== '5') return fixedDecimal(x.toPrecision(nd));
  }
  return roundDigits(exactDecimal(x), nd);
}

/** toPrecision's "0.00123", "123.4" or "1.5e-7" as digits and decimal point. */
function fixedDecimal(text: string): Decimal {
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const point = mantissa.indexOf('.');
  const whole = point < 0 ? mantissa : mantissa.slice(0, point);
  let digits = point < 0 ? mantissa : whole + mantissa.slice(point + 1);
  let dp = whole.length + (e < 0 ? 0 : Number(text.slice(e + 1)));
  let lead = 0;
  while (lead < digits.length && digits[lead] === '0') lead++;
  digits = digits.slice(lead);
  dp -= lead;
  return trimZeros({ digits, dp });
}

function trimZeros(d: Decimal): Decimal {
  let end = d.digits.length;
  while (end > 0 && d.digits[end - 1] === '0') end--;
  return end === 0 ? ZERO : { digits: d.digits.slice(0, end), dp: d.dp };
}

/** Keeps the first `nd` digits, rounding half to even on exact ties as Go's decimal.Round does. */
function roundDigits(d: Decimal, nd: number): Decimal {
  if (nd < 0) return ZERO;
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) {
    up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = next >= 5;
  }
  if (!up) return trimZeros({ digits: d.digits.slice(0, nd), dp: d.dp });
  const kept = d.digits.slice(0, nd).split('');
  let i = nd - 1;
  while (i >= 0 && kept[i] === '9') {
    kept[i] = '0';
    i--;
  }
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  kept[i] = String.fromCharCode(kept[i]!.charCodeAt(0) + 1);
  return trimZeros({ digits: kept.join(''), dp: d.dp });
}

/** The shortest digits that read back as the same double, as Go's shortest mode produces. */
function shortestDecimal(x: number): Decimal {
  const [mantissa = '0', exponent = '0'] = x.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  return trimZeros({ digits, dp: Number(exponent) + 1 });
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

function fmtE(d: Decimal, prec: number, upper: boolean): string {
  let out = digitAt(d, 0);
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, i);
  }
  const exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  const abs = Math.abs(exp);
  return `${out}${upper ? 'E' : 'e'}${sign}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(d: Decimal, prec: number): string {
  let out = '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) out += digitAt(d, i);
  } else {
    out = '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(d, d.dp + i);
  }
  return out;
}

/**
 * Formats like Go's strconv.FormatFloat(x, fmt, prec, 64); prec -1 means the shortest
 * representation that round-trips. Uppercase formats are not needed by callers here.
 */
export function formatFloat(x: number, fmt: FloatFormat, prec: number, upper = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let d: Decimal;
  if (abs === 0) {
    d = ZERO;
  } else if (shortest) {
    d = shortestDecimal(abs);
  } else {
    if (fmt === 'e') d = significantDigits(abs, prec + 1);
    else if (fmt === 'g') d = significantDigits(abs, prec === 0 ? 1 : prec);
    else {
      const exact = exactDecimal(abs);
      d = roundDigits(exact, exact.dp + prec);
    }
  }
  if (shortest) {
    if (fmt === 'e') prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else if (fmt === 'g' && prec === 0) {
    prec = 1;
  }
  let body: string;
  if (fmt === 'e') {
    body = fmtE(d, prec, upper);
  } else if (fmt === 'f') {
    body = fmtF(d, prec);
  } else {
    const nd = d.digits.length;
    let eprec = prec;
    if (eprec > nd && nd >= d.dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = d.dp - 1;
    if (exp < -4 || exp >= eprec) {
      body = fmtE(d, Math.min(prec, nd) - 1, upper);
    } else {
      body = fmtF(d, Math.max((prec > d.dp ? nd : prec) - d.dp, 0));
    }
  }
  return negative ? `-${body}` : body;
}
