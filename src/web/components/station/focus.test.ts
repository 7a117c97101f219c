// When a key press at the station is a shortcut (issue 9 section 5): never while typing, never in a dialog.
import { describe, expect, it } from 'vitest';
import { shortcutOf, type KeyPress } from './focus.js';

const scanBox = { tagName: 'INPUT', isContentEditable: false, value: '' };
const press = (key: string, target: unknown = { tagName: 'BODY', isContentEditable: false }, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  isComposing: false,
  repeat: false,
  target,
  ...over,
});

describe('station shortcuts', () => {
  it('n, c, r and s outside any input are shortcuts; other keys are not', () => {
    for (const key of ['n', 'c', 'r', 's'] as const) expect(shortcutOf(press(key), scanBox, false)).toBe(key);
    for (const key of ['x', 'Enter', '1', ' ', 'Escape']) expect(shortcutOf(press(key), scanBox, false)).toBeNull();
  });

  it('in the empty scan box they are shortcuts; once something is typed they are letters', () => {
    expect(shortcutOf(press('n', scanBox), scanBox, false)).toBe('n');
    const typed = { ...scanBox, value: '2' };
    expect(shortcutOf(press('n', typed), typed, false)).toBeNull();
  });

  it('never in another input, a text area, a select or an editable element', () => {
    for (const target of [
      { tagName: 'INPUT', isContentEditable: false, value: '' },
      { tagName: 'TEXTAREA', isContentEditable: false, value: '' },
      { tagName: 'SELECT', isContentEditable: false },
      { tagName: 'DIV', isContentEditable: true },
    ]) {
      expect(shortcutOf(press('s', target), scanBox, false)).toBeNull();
    }
  });

  it('capitals (Shift, a scanner, caps lock) and modifiers type as usual; a held key does not repeat; an IME composition is typing', () => {
    expect(shortcutOf(press('N'), scanBox, false)).toBeNull();
    expect(shortcutOf(press('n', undefined, { shiftKey: true }), scanBox, false)).toBeNull();
    for (const mod of ['ctrlKey', 'metaKey', 'altKey', 'repeat', 'isComposing'] as const) expect(shortcutOf(press('r', undefined, { [mod]: true }), scanBox, false)).toBeNull();
  });

  it('nothing fires while a dialog is open', () => {
    expect(shortcutOf(press('n'), scanBox, true)).toBeNull();
  });
});
