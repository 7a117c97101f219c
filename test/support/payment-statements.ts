// Merchant bill files for the payment tests, built the way WeChat Pay and Alipay lay them out when downloaded
// (issue 9 section 3): WeChat Pay 交易账单 (UTF-8 with BOM, every value prefixed by a backtick, a 总交易单数
// summary block) and Alipay 业务明细 (GBK, `#` comment lines above and below the table, values ending in a tab).
import iconv from 'iconv-lite';

export interface FixtureLine {
  transactionId: string;
  merchantOrderNo?: string;
  /** yuan, e.g. "20.00" */
  amount: string;
  /** Beijing time, "2023-11-01 09:31:05" */
  at: string;
  refund?: boolean;
}

export const WECHAT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

const fen = (yuan: string) => Math.round(Number(yuan) * 100);
const yuan = (f: number) => (f / 100).toFixed(2);

export function wechatBill(lines: FixtureLine[], opts: { summaryCount?: number; summarySettled?: string } = {}): Buffer {
  const rows = lines.map((l, i) => {
    const refund = !!l.refund;
    const v = [
      l.at,
      'wx2421b1c4370ec43b',
      '1900000109',
      '0',
      '',
      l.transactionId,
      l.merchantOrderNo ?? `GP${String(i + 1).padStart(6, '0')}`,
      'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      'NATIVE',
      refund ? 'REFUND' : 'SUCCESS',
      'OTHERS',
      'CNY',
      refund ? '0.00' : l.amount,
      '0.00',
      refund ? `5030030${String(i).padStart(21, '0')}` : '0',
      refund ? `RF${i}` : '0',
      refund ? l.amount : '0.00',
      '0.00',
      refund ? 'ORIGINAL' : '',
      refund ? 'SUCCESS' : '',
      '研究生图像采集',
      '',
      refund ? '0.00' : '0.12',
      '0.60%',
      l.amount,
      refund ? l.amount : '0.00',
      '',
    ];
    return v.map((x) => `\`${x}`).join(',');
  });
  const paid = lines.filter((l) => !l.refund).reduce((s, l) => s + fen(l.amount), 0);
  const refunded = lines.filter((l) => l.refund).reduce((s, l) => s + fen(l.amount), 0);
  const summary = [
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    [`\`${opts.summaryCount ?? lines.length}`, `\`${opts.summarySettled ?? yuan(paid)}`, `\`${yuan(refunded)}`, '`0.00', '`0.12', `\`${yuan(paid)}`, `\`${yuan(refunded)}`].join(','),
  ];
  return Buffer.from(`\uFEFF${[WECHAT_HEADER, ...rows, ...summary].join('\r\n')}\r\n`, 'utf8');
}

export const ALIPAY_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

export function alipayStatementText(lines: FixtureLine[]): string {
  const rows = lines.map((l, i) => {
    const refund = !!l.refund;
    const v = [
      l.transactionId,
      l.merchantOrderNo ?? `GP${String(i + 1).padStart(6, '0')}`,
      refund ? '退款' : '交易',
      '研究生图像采集',
      l.at,
      l.at,
      '',
      '',
      '',
      '',
      'abc***@163.com',
      l.amount,
      refund ? `-${l.amount}` : l.amount,
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '',
      '0.00',
      '0.00',
      refund ? `RF${i}` : '',
      refund ? '0.00' : '-0.12',
      '0.00',
      '',
    ];
    return v.map((x) => `${x}\t`).join(',');
  });
  const trades = lines.filter((l) => !l.refund);
  const refunds = lines.filter((l) => l.refund);
  return [
    '#支付宝业务明细查询',
    '#账号：[20881234567890120156]',
    '#起始日期：[2023年11月01日 00:00:00]   终止日期：[2023年11月02日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    ALIPAY_HEADER,
    ...rows,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${trades.length}笔，商家实收：${yuan(trades.reduce((s, l) => s + fen(l.amount), 0))}元，商家优惠：0.00元`,
    `#退款合计：${refunds.length}笔，商家实收：-${yuan(refunds.reduce((s, l) => s + fen(l.amount), 0))}元，商家优惠：0.00元`,
    '#导出时间：[2023年11月02日 10:00:00]',
    '',
  ].join('\r\n');
}

export function alipayStatement(lines: FixtureLine[]): Buffer {
  return iconv.encode(alipayStatementText(lines), 'gbk');
}

/** A 28-digit WeChat Pay transaction number (微信支付订单号). */
export const wechatTx = (n: number) => `42000019${String(n).padStart(20, '0')}`;
/** A 28-digit Alipay transaction number (支付宝交易号). */
export const alipayTx = (n: number) => `20231101220014${String(n).padStart(14, '0')}`;
