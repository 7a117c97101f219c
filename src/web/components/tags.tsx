import { Tag, Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { labelled } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import type { DecisionSchema, RuleSchema } from '../../contracts/common.js';

export type Decision = z.infer<typeof DecisionSchema>;
export type Rule = z.infer<typeof RuleSchema>;

export const DECISIONS: Decision[] = ['required', 'excluded', 'not-in-campaign'];
export const RULES: Rule[] = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6'];

/** 须采集 red (orange for a retake, E3), 不参加 grey, 非本批次 plain. */
export function DecisionTag({ decision, rule }: { decision: Decision; rule?: Rule | null }): ReactNode {
  const { t } = useTranslation();
  const color = decision === 'required' ? (rule === 'E3' ? 'orange' : 'red') : decision === 'excluded' ? '#8c8c8c' : 'default';
  return (
    <Tag color={color} data-decision={decision} style={{ marginInlineEnd: 4 }}>
      {t(`decision.${decision}`)}
    </Tag>
  );
}

/** The rule ID with its short name; the full rule on hover. */
export function RuleTag({ rule, showName = false }: { rule: Rule | null; showName?: boolean }): ReactNode {
  const { t } = useTranslation();
  if (!rule) return null;
  return (
    <Tooltip title={`${labelled(rule, currentLanguage())}${t(`ruleDesc.${rule}`)}`}>
      <Tag color="geekblue" variant="outlined" data-rule={rule} style={{ marginInlineEnd: 4, cursor: 'help' }}>
        {showName ? `${rule} ${t(`ruleName.${rule}`)}` : rule}
      </Tag>
    </Tooltip>
  );
}
