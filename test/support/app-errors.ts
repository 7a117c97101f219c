// One assertion helper for the services' refusals: the promise rejects with an AppError of this code.
import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../src/domain/errors.js';

export async function expectAppError(p: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}
