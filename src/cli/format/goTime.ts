// Go's default time.Time formatting ("2006-01-02 15:04:05 -0700 MST"), which Docker uses for
// CreatedAt; printed in UTC so output does not depend on the machine's zone.

export function goTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
