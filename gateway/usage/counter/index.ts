export { CounterError, counterException, EXCEPTIONS, REPORTS, REPORT_IDS, RELEASE, reportId, type CounterException, type ReportId } from './definitions';
export { addMonths, firstDay, lastDay, monthOf, parseReportRequest, type ReportRequest, type RequestContext } from './request';
export { counterReport, derivationNote, monthlyCounts, type CounterReport, type Counts, type InstitutionIds, type ReportContext } from './report';
export { counterTsv } from './tsv';
export { titleViewsOffered } from './title-item';
