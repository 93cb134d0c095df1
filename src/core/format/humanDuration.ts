// Elapsed times as Docker prints them (github.com/docker/go-units duration.go), e.g. the CREATED
// column of `docker images`: "Less than a second", "About a minute", "36 hours", "2 weeks".

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** units.HumanDuration for a duration in milliseconds; negative durations read "Less than a second". */
export function humanDuration(ms: number): string {
  // Go truncates seconds and minutes but rounds hours, so 1h29m is still "About an hour".
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / HOUR + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  // Years use the truncated hour count, not the rounded one.
  return `${Math.trunc(Math.trunc(ms / HOUR) / 24 / 365)} years`;
}

/**
 * The CREATED column of `docker images`: humanDuration(now - created) + " ago". An invalid date
 * gives "", which Docker's default format shows as "N/A".
 */
export function createdSince(created: Date, now: Date = new Date()): string {
  const at = created.getTime();
  if (Number.isNaN(at)) return '';
  return `${humanDuration(now.getTime() - at)} ago`;
}
