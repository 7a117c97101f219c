/**
 * Masked names for the agency's screens (MISSION: an operator sees 张*三, never the full name).
 * Chinese names keep the first and the last character; two-character names keep the first.
 * Latin names keep the first letter of each word.
 */
export function maskName(name: string): string {
  const trimmed = name.trim();
  const chars = Array.from(trimmed);
  if (chars.length === 0) return '';
  if (/^[\p{Script=Han}·•]+$/u.test(trimmed)) {
    if (chars.length === 1) return '*';
    if (chars.length === 2) return `${chars[0]}*`;
    return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
  }
  return trimmed
    .split(/\s+/)
    .map((word) => {
      const w = Array.from(word);
      return w.length <= 1 ? '*' : w[0] + '*'.repeat(w.length - 1);
    })
    .join(' ');
}

export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '*'.repeat(phone.length);
}
