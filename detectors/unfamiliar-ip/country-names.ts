/**
 * English names of ISO 3166 country codes (`BR` → `Brazil`), falling back to the code itself when
 * the runtime has no name for it (geoip's `EU`/`AP` pseudo-codes, a Node built without ICU data).
 * Built once by `prepare`; only called while writing a finding or describing a profile.
 *
 * @example const countryName = createCountryNames(); countryName('DE') // 'Germany'
 */
export function createCountryNames(): (code: string) => string {
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  } catch {
    names = undefined;
  }
  return (code) => {
    try {
      return names?.of(code) ?? code;
    } catch {
      return code;
    }
  };
}
