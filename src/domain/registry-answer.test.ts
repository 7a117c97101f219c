// The registry's answer words (issue 10 finding: "照片有误" was not understood): the ways the registry and
// secretaries write 有误 and 通过, a negation never read as its positive (不通过 is not 通过).
import { describe, expect, it } from 'vitest';
import { parseAnswerStatus } from './registry-answer.js';

describe('parseAnswerStatus: the registry’s phrasings', () => {
  it.each(['有误', '照片有误', '图像有误', '相片有误', ' 照片有误 ', '照片不合格', '图像不合格', '审核不通过', '审核未通过', '未通过', '不通过', '照片不通过', '校对不通过', '图像错误', 'rejected', 'REJECTED'])('%j is 有误 (rejected)', (word) => {
    expect(parseAnswerStatus(word)).toBe('rejected');
  });

  it.each(['通过', '已通过', '审核通过', '审核已通过', '照片通过', '照片合格', '图像合格', '图像无误', '照片审核通过', '合格', 'accepted', 'Passed'])('%j is 通过 (accepted)', (word) => {
    expect(parseAnswerStatus(word)).toBe('accepted');
  });

  it.each(['', '照片', '待审核', '通过?', '不', 'maybe'])('%j is not understood', (word) => {
    expect(parseAnswerStatus(word)).toBeNull();
  });
});
