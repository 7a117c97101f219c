/**
 * Masked names for the agency's screens (docs/rules/campaign-rules.md: an operator sees 张*三, never the full name).
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

/**
 * A campus account in a message (OIDC_NO_STUDENT): `2101001` → `21***01`, enough for the student to recognise
 * their account, not enough to collect numbers. At most 8 stars, so the length of a long account stays hidden.
 */
export function maskAccount(account: string): string {
  if (account.length <= 2) return '*'.repeat(account.length);
  if (account.length <= 5) return `${account[0]}${'*'.repeat(account.length - 2)}${account[account.length - 1]}`;
  return `${account.slice(0, 2)}${'*'.repeat(Math.min(account.length - 4, 8))}${account.slice(-2)}`;
}
