/**
 * JSON schema (draft 2020-12) of the COUNTER API Release 5.1 responses Passway serves, written
 * for Passway's tests from the public specification: COUNTER API 5.1 (Project-Counter/cop5,
 * api-specification/COUNTER_API.json, OpenAPI 3.1) and the Code of Practice R5.1, Appendix D
 * (Exceptions). It covers /r51/status, /r51/members, /r51/reports, the reports DR, DR_D1,
 * DR_D2, PR, PR_P1, TR, TR_B1, TR_J1 and IR, and the Exception bodies of non-200 responses.
 * Passway's own document, not a copy of the specification's file.
 */

import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;

const object = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object', properties, required, additionalProperties: false, ...extra,
});
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const list = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, minItems: 1, uniqueItems: true, ...extra });
const oneOf = (...schemas: Schema[]): Schema => ({ oneOf: schemas });

const MONTH = '^[0-9]{4}-(0[1-9]|1[0-2])$';
const PROPRIETARY = '^[a-zA-Z][a-zA-Z0-9_./]{1,17}:.+';
const REGISTRY = '^(https://registry.projectcounter.org/platform/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|)$';

/** Appendix D, Table D.1: Code → Message (exact). */
export const EXCEPTION_MESSAGES: Record<number, string> = {
  1000: 'Service Not Available', 1010: 'Service Busy', 1011: 'Report Queued for Processing', 1020: 'Client has made too many requests',
  1030: 'Insufficient Information to Process Request', 2000: 'Requestor Not Authorized to Access Service',
  2010: 'Requestor is Not Authorized to Access Usage for Institution', 2011: 'Global Reports Not Supported', 2020: 'APIKey Invalid',
  3020: 'Invalid Date Arguments', 3030: 'No Usage Available for Requested Dates', 3031: 'Usage Not Ready for Requested Dates',
  3032: 'Usage No Longer Available for Requested Dates', 3040: 'Partial Data Returned', 3050: 'Parameter Not Recognized in this Context',
  3060: 'Invalid ReportFilter Value', 3061: 'Incongruous ReportFilter Value', 3062: 'Invalid ReportAttribute Value', 3063: 'Components Not Supported',
  3070: 'Required ReportFilter Missing',
};
const exceptionFields = { Help_URL: str({ format: 'uri' }), Data: str() };
export const exception = (code: number): Schema =>
  object({ Code: { const: code }, Message: { const: EXCEPTION_MESSAGES[code] }, ...exceptionFields }, ['Code', 'Message']);
/** Exceptions a report header may hold (HTTP 200): Info (0), warnings (1-999) and the 3030-3070 ones. */
const headerException = oneOf(
  object({ Code: { const: 0 }, Message: str({ minLength: 2 }), ...exceptionFields }, ['Code', 'Message']),
  object({ Code: { type: 'integer', minimum: 1, maximum: 999 }, Message: str({ minLength: 2 }), ...exceptionFields }, ['Code', 'Message']),
  ...[3030, 3031, 3032, 3040, 3050, 3060, 3061, 3062, 3063, 3070].map(exception),
);
/** HTTP status → the Exceptions allowed as the whole body (Appendix D). */
export const ERROR_BODY: Record<number, Schema> = {
  400: oneOf(exception(1030), exception(3020)),
  401: oneOf(exception(2000), exception(2020)),
  403: oneOf(exception(2010), exception(2011)),
  429: exception(1020),
  503: oneOf(exception(1000), exception(1010)),
};

const organizationIds = {
  ISNI: list(str({ pattern: '^[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{3}[0-9X]$' })),
  ROR: list(str({ pattern: '^0[a-z0-9]{6}[0-9]{2}$' })),
  Proprietary: list(str({ pattern: PROPRIETARY })),
};
const institutionId = object({ ...organizationIds, ISIL: list(str()), OCLC: list(str({ pattern: '^[0-9]+$' })) }, [], { minProperties: 1 });
const ISSN = '^[0-9]{4}-[0-9]{3}[0-9X]$';
const itemId = object({
  DOI: str({ pattern: '^10\\.[1-9][0-9]{2}[0-9.]*\\/.+$' }), ISBN: str({ pattern: '^97[89]-[0-9]+-[0-9]+-[0-9]+-[0-9]$', minLength: 17, maxLength: 17 }),
  Online_ISSN: str({ pattern: ISSN }), Print_ISSN: str({ pattern: ISSN }), Proprietary: str({ pattern: PROPRIETARY }), URI: str({ format: 'uri' }),
}, [], { minProperties: 1 });
const counts: Schema = { type: 'object', patternProperties: { [MONTH]: { type: 'integer', minimum: 0 } }, additionalProperties: false, minProperties: 1 };
const performance = (metrics: string[], minProperties = 1) => object(Object.fromEntries(metrics.map((m) => [m, counts])), [], { minProperties });
const fixedList = (values: string[]): Schema => ({ type: 'array', const: values });

const DR_DATA_TYPES = ['Audiovisual', 'Book', 'Conference', 'Database_Aggregated', 'Database_AI', 'Database_Full', 'Database_Full_Item', 'Image', 'Interactive_Resource',
  'Journal', 'Multimedia', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Reference_Work', 'Report', 'Sound', 'Standard', 'Thesis_or_Dissertation', 'Unspecified'];
const DATABASE_DATA_TYPES = ['Database_Aggregated', 'Database_AI', 'Database_Full'];
const PR_OTHER_DATA_TYPES = ['Article', 'Audiovisual', 'Book', 'Book_Segment', 'Conference', 'Conference_Item', 'Database_Full_Item', 'Dataset', 'Image',
  'Interactive_Resource', 'Journal', 'Multimedia', 'News_Item', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Reference_Item', 'Reference_Work', 'Report',
  'Software', 'Sound', 'Standard', 'Thesis_or_Dissertation', 'Unspecified'];
const SEARCH_DENIAL = ['Searches_Automated', 'Searches_Regular', 'Searches_Federated', 'Limit_Exceeded', 'No_License'];
const ITEM_METRICS = ['Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests', 'Unique_Title_Investigations', 'Unique_Title_Requests'];
const DR_METRICS = ['Searches_Automated', 'Searches_Federated', 'Searches_Regular', ...ITEM_METRICS, 'Limit_Exceeded', 'No_License'];
const DR_D1_METRICS = ['Searches_Automated', 'Searches_Federated', 'Searches_Regular', 'Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests'];
const PR_METRICS = ['Searches_Platform', ...ITEM_METRICS];
const PR_P1_METRICS = ['Searches_Platform', 'Total_Item_Requests', 'Unique_Item_Requests', 'Unique_Title_Requests'];

const accessMethod = str({ enum: ['Regular', 'TDM'] });
const extensions = { Customer_ID: str({ minLength: 2 }), Institution_Name: str({ minLength: 2 }), Country_Name: str(), Country_Code: str({ pattern: '^[A-Z]{2}$' }),
  Subdivision_Name: str(), Subdivision_Code: str(), Attributed: str({ enum: ['Yes', 'No'] }) };
const extensionFilters = { Attributed: str({ enum: ['No', 'Yes'] }), Country_Code: str({ pattern: '^[A-Z]{2}$' }), Subdivision_Code: str({ pattern: '^[A-Z]{2}-[A-Z0-9]{1,3}$' }) };
const baseFilters = { Begin_Date: str({ format: 'date' }), End_Date: str({ format: 'date' }), Platform: str({ minLength: 2 }) };
const masterAttributes = object({
  Attributes_To_Show: list(str({ enum: ['Access_Method', 'Institution_Name', 'Customer_ID', 'Country_Name', 'Country_Code', 'Subdivision_Name', 'Subdivision_Code', 'Attributed'] })),
  Granularity: str({ enum: ['Month', 'Total'] }),
}, [], { minProperties: 1 });

function header(id: string, name: string, filters: Schema, attributes?: Schema): Schema {
  return object({
    Report_Name: { const: name }, Report_ID: { const: id }, Release: { const: '5.1' }, Institution_Name: str({ minLength: 2 }), Institution_ID: institutionId,
    Report_Filters: filters, ...(attributes ? { Report_Attributes: attributes } : {}), Exceptions: list(headerException),
    Created: str({ format: 'date-time' }), Created_By: str({ minLength: 2 }), Registry_Record: str({ pattern: REGISTRY }),
  }, ['Report_Name', 'Report_ID', 'Release', 'Institution_Name', 'Institution_ID', 'Report_Filters', 'Created', 'Created_By', 'Registry_Record']);
}
const report = (head: Schema, item: Schema): Schema => object({ Report_Header: head, Report_Items: { type: 'array', items: item } }, ['Report_Header', 'Report_Items']);
const databaseItem = (attributePerformance: Schema) => object({
  Database: str({ minLength: 2 }), Publisher: str(), Publisher_ID: object(organizationIds, [], { minProperties: 1 }), Platform: str({ minLength: 2 }), Item_ID: itemId,
  Attribute_Performance: { type: 'array', minItems: 1, items: attributePerformance },
}, ['Database', 'Publisher', 'Platform', 'Attribute_Performance']);
const platformItem = (attributePerformance: Schema) => object({ Platform: str({ minLength: 2 }), Attribute_Performance: { type: 'array', minItems: 1, items: attributePerformance } }, ['Platform', 'Attribute_Performance']);

const DR = report(
  header('DR', 'Database Report', object({
    ...baseFilters, Database: str({ minLength: 2 }), Access_Method: list(accessMethod), Data_Type: list(str({ enum: DR_DATA_TYPES })), Metric_Type: list(str({ enum: DR_METRICS })), ...extensionFilters,
  }, ['Begin_Date', 'End_Date']), masterAttributes),
  databaseItem(oneOf(
    object({ Data_Type: str({ enum: DATABASE_DATA_TYPES }), Access_Method: accessMethod, Performance: performance(SEARCH_DENIAL), ...extensions }, ['Data_Type', 'Performance']),
    object({ Data_Type: str({ enum: DR_DATA_TYPES.filter((t) => !DATABASE_DATA_TYPES.includes(t)) }), Access_Method: accessMethod, Performance: performance(ITEM_METRICS, 2), ...extensions }, ['Data_Type', 'Performance']),
  )),
);
const viewFilters = (metrics: string[]) => object({ ...baseFilters, Access_Method: fixedList(['Regular']), Metric_Type: fixedList(metrics) }, ['Begin_Date', 'End_Date', 'Access_Method', 'Metric_Type']);
const DR_D1 = report(header('DR_D1', 'Database Search and Item Usage', viewFilters(DR_D1_METRICS)), databaseItem(object({ Performance: performance(DR_D1_METRICS) }, ['Performance'])));
const DR_D2 = report(header('DR_D2', 'Database Access Denied', viewFilters(['Limit_Exceeded', 'No_License'])), databaseItem(object({ Performance: performance(['Limit_Exceeded', 'No_License']) }, ['Performance'])));
const PR = report(
  header('PR', 'Platform Report', object({
    ...baseFilters, Access_Method: list(accessMethod), Data_Type: list(str({ enum: [...PR_OTHER_DATA_TYPES, 'Platform'] })), Metric_Type: list(str({ enum: PR_METRICS })), ...extensionFilters,
  }, ['Begin_Date', 'End_Date']), masterAttributes),
  platformItem(oneOf(
    object({ Data_Type: { const: 'Platform' }, Access_Method: accessMethod, Performance: performance(['Searches_Platform']), ...extensions }, ['Data_Type', 'Performance']),
    object({ Data_Type: str({ enum: PR_OTHER_DATA_TYPES }), Access_Method: accessMethod, Performance: performance(ITEM_METRICS, 2), ...extensions }, ['Data_Type', 'Performance']),
  )),
);
const PR_P1 = report(
  header('PR_P1', 'Platform Usage', viewFilters(PR_P1_METRICS)),
  platformItem(oneOf(
    object({ Data_Type: { const: 'Platform' }, Performance: performance(['Searches_Platform']) }, ['Data_Type', 'Performance']),
    object({ Data_Type: str({ enum: PR_OTHER_DATA_TYPES }), Performance: performance(['Total_Item_Requests', 'Unique_Item_Requests', 'Unique_Title_Requests'], 2) }, ['Data_Type', 'Performance']),
  )),
);

const STATUS = list(object({
  Description: str(), Service_Active: { type: 'boolean' }, Registry_Record: str({ pattern: REGISTRY }), Note: str(),
  Alerts: list(object({ Date_Time: str({ format: 'date-time' }), Alert: str() })),
}, ['Service_Active']));
const MEMBERS = list(object({
  Institution_Name: str({ minLength: 2 }), Institution_ID: institutionId, Customer_ID: str({ minLength: 1 }), Requestor_ID: str({ minLength: 1 }), Notes: str({ minLength: 2 }),
}, ['Institution_Name', 'Customer_ID']));
const REPORT_LIST = { type: 'array', minItems: 1, items: object({
  Report_Name: str({ minLength: 2 }), Report_ID: str({ minLength: 2 }), Release: str({ minLength: 1 }), Report_Description: str({ minLength: 2 }), Path: str({ minLength: 2 }),
  First_Month_Available: str({ pattern: '^[0-9]{4}-[0-9]{2}$' }), Last_Month_Available: str({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
}, ['Report_Name', 'Report_ID', 'Release', 'Report_Description', 'First_Month_Available', 'Last_Month_Available']) };

/* Title Report (Tables 4.h-4.m) and Item Report (Tables 4.n-4.q). */
const accessType = str({ enum: ['Controlled', 'Open', 'Free_To_Read'] });
const YOP = str({ pattern: '^[0-9]{4}$' });
const TR_DATA_TYPES = ['Book', 'Conference', 'Journal', 'Newspaper_or_Newsletter', 'Other', 'Patent', 'Reference_Work', 'Report', 'Standard', 'Thesis_or_Dissertation', 'Unspecified'];
const IR_DATA_TYPES = ['Article', 'Audiovisual', 'Book_Segment', 'Conference_Item', 'Database_Full_Item', 'Dataset', 'Image', 'Interactive_Resource', 'Multimedia', 'News_Item',
  'Other', 'Patent', 'Reference_Item', 'Report', 'Software', 'Sound', 'Standard', 'Thesis_or_Dissertation', 'Unspecified'];
const TR_METRICS = [...ITEM_METRICS, 'Limit_Exceeded', 'No_License'];
const IR_METRICS = ['Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests', 'Limit_Exceeded', 'No_License'];
const yopFilter = list(str({ pattern: '^([0-9]{4}|[0-9]{4}-[0-9]{4})$' }));
const titleItem = (attributePerformance: Schema) => object({
  Title: str(), Publisher: str(), Publisher_ID: object(organizationIds, [], { minProperties: 1 }), Platform: str({ minLength: 2 }), Item_ID: itemId,
  Book_Segment_Count: { type: 'integer', minimum: 1 }, Attribute_Performance: { type: 'array', minItems: 1, items: attributePerformance },
}, ['Title', 'Publisher', 'Platform', 'Attribute_Performance']);
const titleAttributes = object({
  Attributes_To_Show: list(str({ enum: ['YOP', 'Access_Type', 'Access_Method', 'Institution_Name', 'Customer_ID', 'Country_Name', 'Country_Code', 'Subdivision_Name', 'Subdivision_Code', 'Attributed', 'Book_Segment_Count'] })),
  Granularity: str({ enum: ['Month', 'Total'] }),
}, [], { minProperties: 1 });
const TR = report(
  header('TR', 'Title Report', object({
    ...baseFilters, Item_ID: str({ minLength: 2 }), Access_Method: list(accessMethod), Access_Type: list(accessType), Data_Type: list(str({ enum: TR_DATA_TYPES })),
    Metric_Type: list(str({ enum: TR_METRICS })), YOP: yopFilter, ...extensionFilters,
  }, ['Begin_Date', 'End_Date']), titleAttributes),
  titleItem(object({ Data_Type: str({ enum: TR_DATA_TYPES }), YOP, Access_Type: accessType, Access_Method: accessMethod, Performance: performance(TR_METRICS, 2), ...extensions }, ['Data_Type', 'Performance'])),
);
const titleViewFilters = (dataTypes: string[], metrics: string[]) => object({
  ...baseFilters, Access_Method: fixedList(['Regular']), Access_Type: fixedList(['Controlled']), Data_Type: fixedList(dataTypes), Metric_Type: fixedList(metrics),
}, ['Begin_Date', 'End_Date', 'Access_Method', 'Access_Type', 'Data_Type', 'Metric_Type']);
const TR_B1 = report(
  header('TR_B1', 'Book Requests (Controlled)', titleViewFilters(['Book', 'Reference_Work'], ['Total_Item_Requests', 'Unique_Title_Requests'])),
  titleItem(object({ Data_Type: str({ enum: ['Book', 'Reference_Work'] }), YOP, Performance: performance(['Total_Item_Requests', 'Unique_Title_Requests'], 2) }, ['Data_Type', 'YOP', 'Performance'])),
);
const TR_J1 = report(
  header('TR_J1', 'Journal Requests (Controlled)', titleViewFilters(['Journal'], ['Total_Item_Requests', 'Unique_Item_Requests'])),
  titleItem(object({ Performance: performance(['Total_Item_Requests', 'Unique_Item_Requests'], 2) }, ['Performance'])),
);
const irItem = object({
  Item: str(), Publisher: str(), Publisher_ID: object(organizationIds, [], { minProperties: 1 }), Platform: str({ minLength: 2 }), Item_ID: itemId,
  Authors: list(object({ Name: str(), ISNI: str(), ORCID: str() }, ['Name'])), Publication_Date: str({ format: 'date' }), Article_Version: str({ enum: ['AM', 'VoR', 'EVoR'] }),
  Attribute_Performance: { type: 'array', minItems: 1, items: object({
    Data_Type: str({ enum: IR_DATA_TYPES }), YOP, Access_Type: accessType, Access_Method: accessMethod, Performance: performance(IR_METRICS), ...extensions,
  }, ['Data_Type', 'Performance']) },
}, ['Item', 'Publisher', 'Platform', 'Attribute_Performance']);
const irItems = { type: 'array', minItems: 1, items: irItem };
const IR = report(
  header('IR', 'Item Report', object({
    ...baseFilters, Author: str({ minLength: 2 }), Item_ID: str({ minLength: 2 }), Access_Method: list(accessMethod), Access_Type: list(accessType),
    Data_Type: list(str({ enum: IR_DATA_TYPES })), Metric_Type: list(str({ enum: IR_METRICS })), YOP: yopFilter, ...extensionFilters,
  }, ['Begin_Date', 'End_Date']), object({
    Attributes_To_Show: list(str({ enum: ['YOP', 'Access_Type', 'Access_Method', 'Authors', 'Publication_Date', 'Article_Version', 'Institution_Name', 'Customer_ID', 'Country_Name',
      'Country_Code', 'Subdivision_Name', 'Subdivision_Code', 'Attributed'] })),
    Include_Parent_Details: str({ enum: ['False', 'True'] }), Include_Component_Details: str({ enum: ['False', 'True'] }), Granularity: str({ enum: ['Month', 'Total'] }),
  }, [], { minProperties: 1 })),
  oneOf(
    object({
      Title: str(), Authors: list(object({ Name: str() }, ['Name'])), Article_Version: str({ enum: ['AM', 'VoR', 'EVoR'] }), Item_ID: itemId, Publication_Date: str({ format: 'date' }),
      Data_Type: str({ enum: ['Book', 'Conference', 'Database_Full', 'Journal', 'Newspaper_or_Newsletter', 'Reference_Work'] }), Items: irItems,
    }, ['Item_ID', 'Items']),
    object({ Items: irItems }, ['Items']),
  ),
);

export const SCHEMAS: Record<string, Schema> = { status: STATUS, members: MEMBERS, reports: REPORT_LIST, DR, DR_D1, DR_D2, PR, PR_P1, TR, TR_B1, TR_J1, IR };

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map(Object.entries({ ...SCHEMAS, ...Object.fromEntries(Object.entries(ERROR_BODY).map(([status, s]) => [`error-${status}`, s])) }).map(([name, s]) => [name, ajv.compile(s)]));

/** The schema's complaints about a response body (empty when it is valid): `name` is status, members, reports, a Report_ID, or error-<HTTP status>. */
export function counterSchemaErrors(name: string, body: unknown): string[] {
  const validate = validators.get(name);
  if (!validate) throw new Error(`no COUNTER schema named ${name}`);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
