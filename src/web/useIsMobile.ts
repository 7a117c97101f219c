import { Grid } from 'antd';

/** Narrower than antd's `md` breakpoint (768 px): phones, where tables get compact columns. */
export function useIsMobile(): boolean {
  const screens = Grid.useBreakpoint();
  return screens.md === false;
}
