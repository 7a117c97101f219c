// Prints and hand-over (issue 10 section 2, A2; decision 0025), typed by their contracts: the /prints page (the
// agency and the graduate school), the /handover page (the department's secretary) and the student's card on /my.
import type { CreatePrintBatchRequest, HandOverRequest, ReceivePrintsRequest } from '../../contracts/print.js';
import { HandoverListSchema, HandOverResponseSchema, MyPrintsSchema, PrintBatchListSchema, PrintBatchSchema, PrintDeliveryListSchema, PrintDeliverySchema } from '../../contracts/print.js';
import { api, download, toQuery } from './client.js';

export const printKeys = {
  all: ['prints'] as const,
  batches: ['prints', 'batches'] as const,
  deliveries: ['prints', 'deliveries'] as const,
  handover: (department: string, notReceived: boolean, q: string) => ['prints', 'handover', department, notReceived, q] as const,
  mine: ['prints', 'mine'] as const,
};

export const printsApi = {
  /** listPrintBatches */
  batches: () => api('/api/prints/batches', { schema: PrintBatchListSchema }),
  /** createPrintBatch */
  createBatch: (body: CreatePrintBatchRequest) => api('/api/prints/batches', { method: 'POST', body, schema: PrintBatchSchema }),
  /** getPrintSheet (PDF; reading the photos is audited) */
  downloadSheet: async (batchId: string, number: number, department: string): Promise<{ skipped: number }> => {
    const headers = await download(`/api/prints/batches/${encodeURIComponent(batchId)}/sheet${toQuery({ department })}`, `print-batch-${number}.pdf`);
    return { skipped: Number(headers.get('X-Print-Skipped') ?? 0) || 0 };
  },
  /** sendPrintBatch */
  sendBatch: (batchId: string, count: number) => api(`/api/prints/batches/${encodeURIComponent(batchId)}/send`, { method: 'POST', body: { count }, schema: PrintBatchSchema }),
  /** receivePrintBatch */
  receiveBatch: (batchId: string, body: ReceivePrintsRequest) => api(`/api/prints/batches/${encodeURIComponent(batchId)}/receive`, { method: 'POST', body, schema: PrintBatchSchema }),
  /** listPrintDeliveries */
  deliveries: () => api('/api/prints/deliveries', { schema: PrintDeliveryListSchema }),
  /** createPrintDelivery */
  sendToDepartment: (department: string) => api('/api/prints/deliveries', { method: 'POST', body: { department }, schema: PrintDeliverySchema }),
  /** receivePrintDelivery */
  receiveDelivery: (id: string, body: ReceivePrintsRequest) => api(`/api/prints/deliveries/${encodeURIComponent(id)}/receive`, { method: 'POST', body, schema: PrintDeliverySchema }),
  /** getHandoverList */
  handover: (department: string, notReceived: boolean, q: string) =>
    api(`/api/prints/handover${toQuery({ department, notReceived: notReceived ? 'true' : undefined, q: q || undefined })}`, { schema: HandoverListSchema }),
  /** handOverPrints */
  handOver: (body: HandOverRequest) => api('/api/prints/handover', { method: 'POST', body, schema: HandOverResponseSchema }),
  /** exportNotReceived (XLSX, audited) */
  exportNotReceived: (department: string) => download(`/api/prints/handover/not-received.xlsx${toQuery({ department })}`, 'not-received.xlsx'),
  /** getHandoverListPdf (audited) */
  handoverListPdf: (department: string) => download(`/api/prints/handover/list.pdf${toQuery({ department })}`, 'handover-list.pdf'),
  /** getMyPrints */
  mine: () => api('/api/me/prints', { schema: MyPrintsSchema }),
  /** confirmMyPrints */
  confirmMine: () => api('/api/me/prints/confirm', { method: 'POST', schema: MyPrintsSchema }),
};
