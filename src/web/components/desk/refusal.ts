// Every refusal of the desk as a sentence the clerk can say to the student (zh/en), from the error code and
// what the desk already knows (the preview); the server's own message otherwise.
import type { TFunction } from 'i18next';
import type { CheckInPreview } from '../../../contracts/board.js';
import type { z } from 'zod';
import type { SiteSchema } from '../../../contracts/common.js';

export interface RefusalContext {
  studentNo: string;
  preview: CheckInPreview | null;
  deskSite: z.infer<typeof SiteSchema>;
}

function detail<T>(details: unknown, key: string): T | undefined {
  return details && typeof details === 'object' ? ((details as Record<string, unknown>)[key] as T | undefined) : undefined;
}

/** An answer of the server (ApiError of api/client.ts): its code, message and details. */
interface Refusal {
  code: string;
  message: string;
  details?: unknown;
}

function isRefusal(error: unknown): error is Refusal {
  return error instanceof Error && typeof (error as Partial<Refusal>).code === 'string';
}

export function refusalSentence(t: TFunction, error: unknown, ctx: RefusalContext): string {
  if (!isRefusal(error)) return error instanceof Error ? error.message : String(error);
  const studentNo = ctx.studentNo;
  switch (error.code) {
    case 'COLLECTION_CODE_IN_USE':
      return t('desk.refusal.COLLECTION_CODE_IN_USE', { studentNo });
    case 'COLLECTION_CODE_MISMATCH': {
      const last4 = ctx.preview?.codeLast4;
      return t('desk.refusal.COLLECTION_CODE_MISMATCH', { studentNo, last4: last4 ? `（${t('desk.boundCodeValue', { last4 })}）` : '' });
    }
    case 'COLLECTION_CODE_INVALID':
      return t('desk.refusal.COLLECTION_CODE_INVALID', { length: detail<number>(error.details, 'length') ?? 0 });
    case 'STUDENT_NOT_FOUND':
      return t('desk.refusal.STUDENT_NOT_FOUND', { studentNo });
    case 'STUDENT_NOT_ELIGIBLE': {
      const rule = detail<string | null>(error.details, 'rule') ?? ctx.preview?.rule ?? null;
      return t('desk.refusal.STUDENT_NOT_ELIGIBLE', { rule: rule ?? t(`decision.${detail<string>(error.details, 'decision') ?? 'not-in-campaign'}`), reason: rule ? t(`ruleDesc.${rule}`) : error.message });
    }
    case 'PHOTO_ALREADY_CONFIRMED':
      return t('desk.refusal.PHOTO_ALREADY_CONFIRMED');
    case 'WRONG_SITE': {
      const site = detail<string>(error.details, 'studentSite') ?? ctx.preview?.site ?? '';
      return t('desk.refusal.WRONG_SITE', { site: site ? t(`site.${site}`) : '—', here: t(`site.${ctx.deskSite}`) });
    }
    case 'PAYMENT_REQUIRED':
      return t('desk.refusal.PAYMENT_REQUIRED', { studentNo });
    default:
      return error.message;
  }
}
