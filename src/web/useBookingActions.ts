import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Booking, Session } from '../contracts/booking.js';
import { ApiError } from './api/client.js';
import { endpoints } from './api/endpoints.js';
import { formatSession } from './format.js';
import { currentLanguage } from './i18n/index.js';

/** A fresh Idempotency-Key. `crypto.randomUUID` needs a secure context; plain http on a LAN falls back. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** No answer reached us (network): the request may or may not have been done, so a retry keeps its key. */
function isUnanswered(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0;
}

/**
 * One Idempotency-Key per intended action (book session X, cancel booking Y): kept while that action is
 * retried after a network failure (automatically, or by clicking again), dropped once the server answered,
 * so that the next deliberate click is a new request.
 */
function useIdempotencyKeys() {
  const keys = useRef(new Map<string, string>());
  return {
    keyFor(action: string): string {
      let key = keys.current.get(action);
      if (!key) {
        key = newIdempotencyKey();
        keys.current.set(action, key);
      }
      return key;
    },
    settle(action: string, error: unknown): void {
      if (!isUnanswered(error)) keys.current.delete(action);
    },
  };
}

export type BookingAction = 'book' | 'cancel' | 'waitlist';

export interface BookingFailure {
  action: BookingAction;
  sessionId: string | null;
  error: Error;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Retry an unanswered change twice with the same key; a server's answer is final. */
const retryUnanswered = (count: number, error: unknown) => isUnanswered(error) && count < 2;

/**
 * Book / move / cancel / join the waitlist for a student: the student themself (`studentNo` undefined) or a
 * student named by a secretary or an admin. Every change carries an Idempotency-Key; `busy` is true while
 * any of them runs (buttons are disabled: a double click sends one request). The server's refusal (already
 * in the UI language) is kept in `failure` until the next action.
 */
export function useBookingActions(studentNo?: string) {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const keys = useIdempotencyKeys();
  const [failure, setFailure] = useState<BookingFailure | null>(null);
  // Set synchronously on the first click: the second click of a double click arrives before React has
  // re-rendered the button as disabled, so `isPending` alone lets it through.
  const inFlight = useRef(false);
  const who = studentNo ? { studentNo } : {};

  const refresh = () => {
    inFlight.current = false;
    void queryClient.invalidateQueries({ queryKey: ['booking'] });
    void queryClient.invalidateQueries({ queryKey: ['sessions'] });
  };

  const book = useMutation({
    mutationFn: (v: { session: Session; key: string; moving: boolean }) => endpoints.createBooking({ sessionId: v.session.id, ...who }, v.key),
    retry: retryUnanswered,
    onSuccess: (booking: Booking, v) => {
      const text = formatSession(booking.session, lang);
      void message.success(v.moving ? t('booking.movedOk', { session: text }) : t('booking.bookedOk', { session: text }));
    },
    onError: (error, v) => setFailure({ action: 'book', sessionId: v.session.id, error: asError(error) }),
    onSettled: refresh,
  });

  const cancel = useMutation({
    mutationFn: (v: { bookingId: string; key: string }) => endpoints.cancelBooking(v.bookingId, v.key),
    retry: retryUnanswered,
    onSuccess: () => void message.success(t('booking.cancelledOk')),
    onError: (error) => setFailure({ action: 'cancel', sessionId: null, error: asError(error) }),
    onSettled: refresh,
  });

  const waitlist = useMutation({
    mutationFn: (v: { session: Session; key: string }) => endpoints.joinWaitlist(v.session.id, who, v.key),
    retry: retryUnanswered,
    onSuccess: (result) => {
      if (result.booking) void message.success(t('booking.waitlistBooked', { session: formatSession(result.booking.session, lang) }));
      else if (result.waitlistEntry) void message.success(t('booking.waitlistedOk', { position: result.waitlistEntry.position }));
    },
    onError: (error, v) => setFailure({ action: 'waitlist', sessionId: v.session.id, error: asError(error) }),
    onSettled: refresh,
  });

  const busy = book.isPending || cancel.isPending || waitlist.isPending;
  /** claims the one request in flight; false when one is already running */
  const claim = (): boolean => {
    if (inFlight.current || busy) return false;
    inFlight.current = true;
    setFailure(null);
    return true;
  };

  return {
    busy,
    failure,
    clearFailure: () => setFailure(null),
    /** the session whose button shows a spinner */
    pendingSessionId: book.isPending ? book.variables.session.id : waitlist.isPending ? waitlist.variables.session.id : null,
    cancelling: cancel.isPending,
    book(session: Session, moving: boolean): void {
      if (!claim()) return;
      const action = `book:${session.id}`;
      book.mutate({ session, key: keys.keyFor(action), moving }, { onSettled: (_data, error) => keys.settle(action, error) });
    },
    cancel(bookingId: string): void {
      if (!claim()) return;
      const action = `cancel:${bookingId}`;
      cancel.mutate({ bookingId, key: keys.keyFor(action) }, { onSettled: (_data, error) => keys.settle(action, error) });
    },
    joinWaitlist(session: Session): void {
      if (!claim()) return;
      const action = `waitlist:${session.id}`;
      waitlist.mutate({ session, key: keys.keyFor(action) }, { onSettled: (_data, error) => keys.settle(action, error) });
    },
  };
}

/** Whether a failure is "the session is full" (409 SESSION_FULL): the UI then offers the waitlist. */
export function isSessionFull(failure: BookingFailure | null): failure is BookingFailure & { sessionId: string } {
  return failure !== null && failure.action === 'book' && failure.sessionId !== null && failure.error instanceof ApiError && failure.error.code === 'SESSION_FULL';
}
