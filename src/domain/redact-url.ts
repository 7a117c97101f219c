/**
 * A URL as it may be shown, printed or logged: any `user:password@` removed (`postgres://u:p@host/db` →
 * `postgres://…@host/db`; `s3://key:secret@bucket/…` → `s3://…@bucket/…`). Works on strings that do not parse as
 * URLs too (a mistyped BLOB_STORE_URL is named in its refusal).
 */
export function redactUrlCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@');
}
