// One student a minute (issue 9 section 5): the focus lives in the scan box, and single keys drive the station.
// Shortcuts never fire while the operator types: in any input but the scan box, and in the scan box once
// something is typed; only lowercase keys without modifiers count (a scanner or Shift types a capital letter,
// so a student number starting with N, C, R or S is typed as usual). Nothing fires while a dialog is open.
import { useEffect, useRef } from 'react';

/** Whether an antd dialog (Modal, modal.confirm) is on screen. */
export function dialogOpen(): boolean {
  for (const wrap of document.querySelectorAll<HTMLElement>('.ant-modal-wrap')) {
    if (getComputedStyle(wrap).display !== 'none') return true;
  }
  return false;
}

/** Whether this device has a keyboard and a fine pointer (a desk PC): a phone gets no automatic focus (no keyboard popping up). */
export function hasKeyboard(): boolean {
  return typeof window.matchMedia === 'function' ? window.matchMedia('(pointer: fine)').matches : true;
}

/** Calls `onClosed` each time the last open dialog closes (to put the focus back in the scan box). */
export function useDialogClosed(onClosed: () => void): void {
  const callback = useRef(onClosed);
  callback.current = onClosed;
  useEffect(() => {
    let open = dialogOpen();
    const observer = new MutationObserver(() => {
      const now = dialogOpen();
      if (open && !now) callback.current();
      open = now;
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class'] });
    return () => observer.disconnect();
  }, []);
}

export type ShortcutKey = 'n' | 'c' | 'r' | 's';
export const SHORTCUT_KEYS: readonly ShortcutKey[] = ['n', 'c', 'r', 's'];

/** Clicks the student's confirm button when there is one (ShotReview marks it `data-shortcut="confirm"`). */
export function clickConfirm(): boolean {
  const button = document.querySelector<HTMLButtonElement>('[data-shortcut="confirm"]');
  if (!button || button.disabled || button.getAttribute('aria-disabled') === 'true') return false;
  button.click();
  return true;
}

/** What `shortcutOf` reads of a key press (a KeyboardEvent has all of it). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  isComposing: boolean;
  repeat: boolean;
  target: unknown;
}

interface EditableLike {
  tagName?: unknown;
  isContentEditable?: unknown;
  value?: unknown;
}

/**
 * The shortcut a key press means, or null (see the rules at the top of this file): a lowercase n, c, r or s
 * without modifiers, outside any input, or in the scan box while it is empty; never while a dialog is open.
 */
export function shortcutOf(event: KeyPress, scanBox: unknown, dialog: boolean): ShortcutKey | null {
  if (dialog || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || event.isComposing || event.repeat) return null;
  const key = SHORTCUT_KEYS.find((k) => k === event.key);
  if (!key) return null;
  const target = (typeof event.target === 'object' && event.target !== null ? event.target : {}) as EditableLike;
  const editable = target.isContentEditable === true || (typeof target.tagName === 'string' && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  if (editable && (target !== scanBox || target.value !== '')) return null;
  return key;
}

/** Window-wide single-key shortcuts of the station page (see the rules at the top of this file). */
export function useStationShortcuts(scanBox: () => HTMLInputElement | null, handlers: Record<ShortcutKey, () => void>): void {
  const current = useRef(handlers);
  current.current = handlers;
  const box = useRef(scanBox);
  box.current = scanBox;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const key = shortcutOf(event, box.current(), dialogOpen());
      if (!key) return;
      event.preventDefault();
      current.current[key]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
