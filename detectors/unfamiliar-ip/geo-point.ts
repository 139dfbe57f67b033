/**
 * A coordinate packed into one small integer (0.1° resolution, about 11 km), so a place costs one
 * number in a key's state. `NO_POINT` stands for "no coordinates".
 */
export const NO_POINT = -1;

const LON_SPAN = 3601; // -1800 … 1800 tenths of a degree

/**
 * Packs a latitude/longitude into one integer, or `NO_POINT` when either is missing.
 *
 * @example packPoint(52.52, 13.4) // → 5183434
 */
export function packPoint(lat: number | null, lon: number | null): number {
  if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) return NO_POINT;
  const lat10 = Math.max(-900, Math.min(900, Math.round(lat * 10)));
  const lon10 = Math.max(-1800, Math.min(1800, Math.round(lon * 10)));
  return (lat10 + 900) * LON_SPAN + (lon10 + 1800);
}

/** Latitude of a packed point, in degrees. */
export function pointLat(point: number): number {
  return (Math.floor(point / LON_SPAN) - 900) / 10;
}

/** Longitude of a packed point, in degrees. */
export function pointLon(point: number): number {
  return ((point % LON_SPAN) - 1800) / 10;
}

const EARTH_RADIUS_KM = 6371;
const RADIANS = Math.PI / 180;

/** Great-circle distance in km between two packed points. */
export function distanceKm(a: number, b: number): number {
  const lat1 = pointLat(a) * RADIANS;
  const lat2 = pointLat(b) * RADIANS;
  const dLat = lat2 - lat1;
  const dLon = (pointLon(b) - pointLon(a)) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
