// The device's local HTTP API, as the UI sees it: one `call` that carries the
// session token and turns a refusal's JSON body ({error: {code, field, rule,
// message}}) into an `ApiError` the screens can show next to the field.

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  rule?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: ApiErrorBody,
  ) {
    // The device's message already names its field ("mobile: must be…");
    // the field itself is marked on the form, not said twice.
    super(body.field && !body.message.startsWith(`${body.field}:`) ? `${body.field}: ${body.message}` : body.message);
  }
}

const TOKEN_KEY = 'repair-desk.token';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t) headers['authorization'] = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'unreachable', message: 'this device’s service is not answering; is branch-node running?' });
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err: ApiErrorBody = data?.error ?? { code: String(res.status), message: text || res.statusText };
    throw new ApiError(res.status, err);
  }
  return data as T;
}

export async function callText(path: string): Promise<string> {
  const t = token();
  const res = await fetch(path, { headers: t ? { authorization: `Bearer ${t}` } : {} });
  if (!res.ok) throw new ApiError(res.status, { code: String(res.status), message: await res.text() });
  return res.text();
}

/** A file the API makes (a report's CSV or XLSX), saved under the name the
 *  API gives it: the session travels in its header, so a plain link cannot
 *  fetch it. */
export async function download(path: string): Promise<string> {
  const t = token();
  const res = await fetch(path, { headers: t ? { authorization: `Bearer ${t}` } : {} });
  if (!res.ok) {
    const text = await res.text();
    const body = text.startsWith('{') ? JSON.parse(text)?.error : null;
    throw new ApiError(res.status, body ?? { code: String(res.status), message: text || res.statusText });
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'report';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => call<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, body);
export const del = <T>(path: string) => call<T>('DELETE', path);

// The shapes the API answers with (only the fields the UI reads).

export type Role = 'owner' | 'manager' | 'receptionist' | 'technician' | 'accountant';

/** The branch this device serves: its name on every screen and print. */
export interface Shop {
  id: string;
  name: string;
  gstin: string;
  state_code: string;
  address: string;
  upi_id: string | null;
  phone: string | null;
}

export interface Session {
  user: string;
  name: string;
  role: Role;
  branch: string | null;
  /** The actions of the role matrix this session may take (the API's keys). */
  may: string[];
  shop: Shop;
}

export interface User {
  id: string;
  name: string;
  role: Role;
  branch: string | null;
  active: boolean;
}

export interface Customer {
  id: string;
  name: string;
  mobile: string;
  email: string | null;
  address: string | null;
  gstin: string | null;
  state_code: string | null;
}

export interface JobSummary {
  id: string;
  job_no: string;
  customer: string;
  customer_name: string;
  customer_mobile: string;
  device_type: string;
  brand: string;
  model: string;
  serial: string;
  status: string;
  technician: string | null;
  technician_name: string | null;
  promised: string | null;
  opened_at: number;
  updated_at: number;
  status_conflicts: number;
}

export interface EstimateLine {
  id: string;
  kind: 'service' | 'part';
  item: string | null;
  description: string;
  hsn_sac: string;
  qty: string;
  unit: string;
  unit_price: string;
  discount: string;
  gst_rate: string;
  removed: boolean;
}

export interface TimelineEntry {
  at: number;
  author_name: string;
  device: string;
  from: string | null;
  to: string;
  is_override: boolean;
  reason: string | null;
  note: string | null;
  on_path: boolean;
}

export interface PartUsed {
  item: string;
  name: string | null;
  qty: string;
  at: number;
}

export interface FieldConflict {
  record: string;
  field: string;
  values: unknown[];
  [k: string]: unknown;
}

export interface CustomerMessage {
  id: string;
  event: string;
  language: string;
  to: string;
  values: string[];
  resend_of: string | null;
  at: number;
  /** queued, not_sent, unknown, sent, delivered, read, failed */
  status: string;
  channel: string | null;
  reason: string | null;
  status_at: number | null;
}

export interface JobDetail extends JobSummary {
  /** The normal next steps this session's role may take. */
  next_steps: string[];
  /** Where this session's role may move the job by override, with a reason. */
  override_to: string[];
  /** The live estimate's totals, by the invoice's GST engine. */
  estimate_totals: Totals | null;
  money: { invoices: number; invoiced: string; balance_due: string };
  /** Why delivery now needs a manager's allowance and a reason. */
  delivery_warnings: string[];
  complaint: string;
  accessories: string[];
  condition: string;
  estimate_note: string | null;
  has_password: boolean;
  password_kind: string | null;
  diagnosis: string;
  notes: string;
  /** The version of each text shown: an edit is merged from it. */
  diagnosis_version: string[];
  notes_version: string[];
  estimate: EstimateLine[];
  timeline: TimelineEntry[];
  /** Messages to the customer, with the hub's latest news of each. */
  messages: CustomerMessage[];
  /** The customer's rating, once given on their page. */
  rating: { stars: number; comment: string | null; at: number } | null;
  parts_used: PartUsed[];
  password_reads: { at: number; user_name?: string; purpose?: string; [k: string]: unknown }[];
  field_conflicts: FieldConflict[];
}

export interface Item {
  id: string;
  sku: string;
  name: string;
  hsn_sac: string;
  gst_rate: string;
  unit: string;
  sale_price: string;
  cost: string;
  reorder_level: string;
  is_service: boolean;
  in_store: string;
  in_branch: string;
  in_transit: string;
  held_here: string;
  low_stock: boolean;
}

export interface Device {
  id: string;
  branch: string;
  label: string;
  holds_store: boolean;
  revoked: boolean;
}

export interface DocLine {
  description: string;
  hsn_sac: string;
  qty: string;
  unit: string;
  unit_price: string;
  discount: string;
  gst_rate: string;
  kind: string;
}

export interface Totals {
  taxable: string;
  cgst: string;
  sgst: string;
  igst: string;
  round_off: string;
  grand_total: string;
  [k: string]: unknown;
}

export interface Draft {
  id: string;
  job: string | null;
  customer_name: string | null;
  customer_gstin: string | null;
  lines: DocLine[];
  place_of_supply: string;
  place_of_supply_name: string | null;
  totals: Totals;
  [k: string]: unknown;
}

export interface Document {
  id: string;
  doc_type: 'tax_invoice' | 'credit_note';
  number: string;
  date: string;
  customer_name: string | null;
  customer_gstin: string | null;
  place_of_supply: string;
  place_of_supply_name: string | null;
  job: string | null;
  lines: DocLine[];
  grand_total: string;
  against: unknown;
  taxable: string;
  cgst: string;
  sgst: string;
  igst: string;
  round_off: string;
  cancelled: boolean;
  paid: string;
  balance_due: string;
}

export interface Payment {
  id: string;
  invoice: string | null;
  job: string | null;
  amount: string;
  mode: string;
  reference: string | null;
  date: string;
  at: number;
}

export interface Transfer {
  id: string;
  item: string;
  from_branch: string;
  to_branch: string;
  receiver: string;
  sent: string;
  received: string | null;
  variance: string | null;
  sent_at: number;
  received_at: number | null;
  /** The tax invoice of a transfer to another GSTIN. */
  invoice: string | null;
}

export interface PeerStatus {
  url: string;
  role: 'hub' | 'lan';
  online: boolean;
  last_ok_at: number | null;
  last_error: string | null;
  waiting_ops: number;
  /** Ops the peer holds back for a gap in their past: connected, not in step. */
  held: number;
}

export interface SyncStatus {
  device: string;
  branch: string;
  peers: PeerStatus[];
  needs_attention: number;
  pending: number;
  clock_offset_ms: number;
  last_lsn: number;
}
