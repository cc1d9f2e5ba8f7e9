/**
 * COUNTER Release 5.1 vocabulary Passway reports with: the reports it offers, their Metric_Types,
 * and the Exceptions of the Code of Practice, Appendix D, Table D.1 (https://cop5.projectcounter.org/).
 */

export const RELEASE = '5.1';

export type ReportId = 'DR' | 'DR_D1' | 'DR_D2' | 'PR' | 'PR_P1' | 'TR' | 'TR_B1' | 'TR_J1' | 'IR';

export type MetricType =
  | 'Searches_Automated'
  | 'Searches_Federated'
  | 'Searches_Regular'
  | 'Searches_Platform'
  | 'Total_Item_Investigations'
  | 'Total_Item_Requests'
  | 'Unique_Item_Investigations'
  | 'Unique_Item_Requests'
  | 'Unique_Title_Investigations'
  | 'Unique_Title_Requests'
  | 'Limit_Exceeded'
  | 'No_License';

export interface ReportDefinition {
  id: ReportId;
  name: string;
  description: string;
  /** DR and PR are COUNTER Reports (filters and attributes may be chosen); the others are Standard Views (pre-set). */
  master: boolean;
  level: 'database' | 'platform' | 'title' | 'item';
  /** Metric_Types the report may hold (for a Standard View: its pre-set Metric_Type filter, in the order the Code of Practice lists them). */
  metrics: readonly MetricType[];
  /** Data_Types the report may hold (COUNTER Reports: their Data_Type filter values; Title Report Standard Views: their pre-set Data_Type filter). */
  dataTypes: readonly string[];
}

const DR_DATA_TYPES = [
  'Audiovisual', 'Book', 'Conference', 'Database_Aggregated', 'Database_AI', 'Database_Full', 'Database_Full_Item', 'Image', 'Interactive_Resource',
  'Journal', 'Multimedia', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Reference_Work', 'Report', 'Sound', 'Standard', 'Thesis_or_Dissertation', 'Unspecified',
];
const PR_DATA_TYPES = [
  'Article', 'Audiovisual', 'Book', 'Book_Segment', 'Conference', 'Conference_Item', 'Database_Full_Item', 'Dataset', 'Image', 'Interactive_Resource', 'Journal',
  'Multimedia', 'News_Item', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Platform', 'Reference_Item', 'Reference_Work', 'Report', 'Software', 'Sound',
  'Standard', 'Thesis_or_Dissertation', 'Unspecified',
];

const TR_DATA_TYPES = ['Book', 'Conference', 'Journal', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Reference_Work', 'Report', 'Standard', 'Thesis_or_Dissertation', 'Unspecified'];
const IR_DATA_TYPES = [
  'Article', 'Audiovisual', 'Book_Segment', 'Conference_Item', 'Database_Full_Item', 'Dataset', 'Image', 'Interactive_Resource', 'Multimedia', 'News_Item', 'Other',
  'Patent', 'Reference_Item', 'Report', 'Software', 'Sound', 'Standard', 'Thesis_or_Dissertation', 'Unspecified',
];
const ITEM_METRICS: MetricType[] = ['Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests'];

export const REPORTS: Record<ReportId, ReportDefinition> = {
  DR: {
    id: 'DR', name: 'Database Report', master: true, level: 'database', dataTypes: DR_DATA_TYPES,
    description: 'Activity by database, with filters and attributes to choose (Searches, Investigations, Requests, Access Denied).',
    metrics: ['Searches_Automated', 'Searches_Federated', 'Searches_Regular', 'Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations',
      'Unique_Item_Requests', 'Unique_Title_Investigations', 'Unique_Title_Requests', 'Limit_Exceeded', 'No_License'],
  },
  DR_D1: {
    id: 'DR_D1', name: 'Database Search and Item Usage', master: false, level: 'database', dataTypes: [],
    description: 'Searches, Investigations and Requests by database (Standard View of the DR).',
    metrics: ['Searches_Automated', 'Searches_Federated', 'Searches_Regular', 'Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests'],
  },
  DR_D2: {
    id: 'DR_D2', name: 'Database Access Denied', master: false, level: 'database', dataTypes: [],
    description: 'Access denied by database: no licence, or the licence\'s simultaneous-user limit exceeded (Standard View of the DR).',
    metrics: ['Limit_Exceeded', 'No_License'],
  },
  PR: {
    id: 'PR', name: 'Platform Report', master: true, level: 'platform', dataTypes: PR_DATA_TYPES,
    description: 'Activity by platform, with filters and attributes to choose (Searches, Investigations, Requests).',
    metrics: ['Searches_Platform', 'Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests',
      'Unique_Title_Investigations', 'Unique_Title_Requests'],
  },
  PR_P1: {
    id: 'PR_P1', name: 'Platform Usage', master: false, level: 'platform', dataTypes: [],
    description: 'Platform-level Searches and Requests (Standard View of the PR).',
    metrics: ['Searches_Platform', 'Total_Item_Requests', 'Unique_Item_Requests', 'Unique_Title_Requests'],
  },
  TR: {
    id: 'TR', name: 'Title Report', master: true, level: 'title', dataTypes: TR_DATA_TYPES,
    description: 'Activity by title (journal or book) whose items the catalog\'s item patterns identify, with filters and attributes to choose.',
    metrics: [...ITEM_METRICS, 'Unique_Title_Investigations', 'Unique_Title_Requests', 'Limit_Exceeded', 'No_License'],
  },
  TR_B1: {
    id: 'TR_B1', name: 'Book Requests (Controlled)', master: false, level: 'title', dataTypes: ['Book', 'Reference_Work'],
    description: 'Full-text requests of books, as Total_Item_Requests and Unique_Title_Requests (Standard View of the TR).',
    metrics: ['Total_Item_Requests', 'Unique_Title_Requests'],
  },
  TR_J1: {
    id: 'TR_J1', name: 'Journal Requests (Controlled)', master: false, level: 'title', dataTypes: ['Journal'],
    description: 'Full-text requests of journal content, as Total_Item_Requests and Unique_Item_Requests (Standard View of the TR).',
    metrics: ['Total_Item_Requests', 'Unique_Item_Requests'],
  },
  IR: {
    id: 'IR', name: 'Item Report', master: true, level: 'item', dataTypes: IR_DATA_TYPES,
    description: 'Activity by item (article, chapter, other full-text item) the catalog\'s item patterns identify, with filters and attributes to choose.',
    metrics: [...ITEM_METRICS, 'Limit_Exceeded', 'No_License'],
  },
};

export const REPORT_IDS = Object.keys(REPORTS) as ReportId[];

/** A report id from a path segment (the API uses lower case: /r51/reports/dr_d1). */
export function reportId(segment: string): ReportId | undefined {
  const id = segment.toUpperCase();
  return (REPORT_IDS as string[]).includes(id) ? (id as ReportId) : undefined;
}

export interface CounterException {
  Code: number;
  Message: string;
  Data?: string;
}

/** Appendix D, Table D.1: the Message of each standard Exception (it MUST match exactly) and its HTTP status when it is the whole response. */
export const EXCEPTIONS = {
  1000: { message: 'Service Not Available', status: 503 },
  1020: { message: 'Client has made too many requests', status: 429 },
  1030: { message: 'Insufficient Information to Process Request', status: 400 },
  2000: { message: 'Requestor Not Authorized to Access Service', status: 401 },
  2010: { message: 'Requestor is Not Authorized to Access Usage for Institution', status: 403 },
  2011: { message: 'Global Reports Not Supported', status: 403 },
  2020: { message: 'APIKey Invalid', status: 401 },
  3020: { message: 'Invalid Date Arguments', status: 400 },
  3030: { message: 'No Usage Available for Requested Dates', status: 200 },
  3031: { message: 'Usage Not Ready for Requested Dates', status: 200 },
  3032: { message: 'Usage No Longer Available for Requested Dates', status: 200 },
  3040: { message: 'Partial Data Returned', status: 200 },
  3050: { message: 'Parameter Not Recognized in this Context', status: 200 },
  3060: { message: 'Invalid ReportFilter Value', status: 200 },
  3062: { message: 'Invalid ReportAttribute Value', status: 200 },
} as const;

export type ExceptionCode = keyof typeof EXCEPTIONS;

/**
 * A standard Exception. In tabular reports Exceptions are joined with "; " (Code of Practice 3.3.1,
 * Table 3.f), so Data never holds that separator itself.
 */
export function counterException(code: ExceptionCode | 0, data?: string): CounterException {
  const message = code === 0 ? 'Info' : EXCEPTIONS[code].message;
  const clean = data?.replace(/[\t\r\n]+/g, ' ').replace(/;\s+/g, ', ').trim();
  return clean ? { Code: code, Message: message, Data: clean } : { Code: code, Message: message };
}

/** A request that cannot be answered with a report: one Exception and its HTTP status (Appendix D). */
export class CounterError extends Error {
  constructor(readonly exception: CounterException) {
    super(`${exception.Code}: ${exception.Message}${exception.Data ? ` (${exception.Data})` : ''}`);
  }
  get status(): number {
    return EXCEPTIONS[this.exception.Code as ExceptionCode]?.status ?? 400;
  }
}

export const fail = (code: ExceptionCode, data?: string): never => {
  throw new CounterError(counterException(code, data));
};
