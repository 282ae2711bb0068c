// The services' field violations ("customer.name" → "is required") in the reader's language.
// The services answer in English; every message they can send is listed here, the ones built
// with numbers or names inside as patterns. Field names, codes and API names inside a message
// stay as they are: they are what the reader types or looks up. A message not listed (a newer
// service) is shown as it came.
import { L } from './i18n';

const exact: Record<string, [string, string]> = {
  // Shared checks (text, ids, paging, etags, money, dates).
  'is required': ['必填', 'Required'],
  'must not be empty': ['不能为空', 'Must not be empty'],
  'must not contain control characters':
      ['不能包含控制字符', 'Must not contain control characters'],
  'is not an e-mail address': ['不是有效的邮箱地址', 'Not an e-mail address'],
  'may contain only digits, spaces and + - ( ), at least one digit and at most 32': [
    '只能包含数字、空格和 + - ( )，至少一位数字，最多 32 位',
    'Only digits, spaces and + - ( ), at least one digit, at most 32',
  ],
  'is not a code (lower-case letters, digits, _)': [
    '不是有效的代码（小写字母、数字、_）',
    'Not a code (lower-case letters, digits, _)',
  ],
  'must be a UUID': ['必须是 UUID', 'Must be a UUID'],
  'invalid username or password, or too many failed sign-ins: try again later': [
    '用户名或密码错误；若连续多次失败，请稍后再试',
    'Wrong username or password; after repeated failures, try again later',
  ],
  'account is disabled': ['账号已停用，请联系管理员', 'The account is disabled; ask an administrator'],
  'must be a UUID in lower case, as the API returns it': [
    '必须是小写的 UUID（与接口返回的一致）',
    'Must be a lower-case UUID, as the API returns it',
  ],
  'is malformed': ['格式有误', 'Malformed'],
  'is malformed or was issued for a different request': [
    '格式有误，或属于另一个查询',
    'Malformed or issued for a different request',
  ],
  'is not an etag returned by this service':
      ['不是本服务返回的 etag', 'Not an etag returned by this service'],
  'names no field to update': ['未指定要更新的字段', 'Names no field to update'],
  'must be at most 128 printable ASCII characters': [
    '最多 128 个可打印 ASCII 字符',
    'At most 128 printable ASCII characters',
  ],
  'must not be negative': ['不能为负数', 'Must not be negative'],
  'must be positive': ['必须大于 0', 'Must be positive'],
  'is too large': ['数值过大', 'Too large'],
  'at most two decimal places': ['最多两位小数', 'At most two decimal places'],
  'units and nanos must have the same sign': [
    'units 与 nanos 的正负号必须一致',
    'Units and nanos must have the same sign',
  ],
  'must be an ISO 4217 code such as CNY': [
    '必须是 ISO 4217 货币代码，例如 CNY',
    'Must be an ISO 4217 code such as CNY',
  ],
  'must be in CNY': ['必须以 CNY 计价', 'Must be in CNY'],
  'is not a valid date': ['不是有效的日期', 'Not a valid date'],
  'is outside the years 1 to 9999': ['超出 1 至 9999 年的范围', 'Outside the years 1 to 9999'],
  'nanos must be between 0 and 999999999': [
    'nanos 必须在 0 到 999999999 之间',
    'Nanos must be between 0 and 999999999',
  ],
  'must not be in the future': ['不能晚于现在', 'Must not be in the future'],
  'must not be in the past': ['不能早于今天', 'Must not be in the past'],
  'must be after today': ['必须晚于今天', 'Must be after today'],
  'must be within a year': ['必须在一年之内', 'Must be within a year'],
  'is not a known value': ['不是可选的值', 'Not a known value'],
  'is unknown': ['不是可选的值', 'Unknown'],
  'is not a known status': ['不是已知的状态', 'Not a known status'],
  'is not a known channel': ['不是已知的渠道', 'Not a known channel'],
  'is not a known priority': ['不是已知的优先级', 'Not a known priority'],
  'must be a known priority': ['必须是已知的优先级', 'Must be a known priority'],
  'is not an active person': ['不是在职人员', 'Not an active person'],
  'is not a cursor returned by this stream':
      ['不是此事件流返回的游标', 'Not a cursor returned by this stream'],
  // File uploads.
  'the first message must carry it': ['必须在第一条消息中提供', 'The first message must carry it'],
  'may only come in the first message': ['只能在第一条消息中提供', 'Only in the first message'],
  'must not contain / or \\': ['不能包含 / 或 \\', 'Must not contain / or \\'],
  'must be a media type such as application/pdf': [
    '必须是媒体类型，例如 application/pdf',
    'Must be a media type such as application/pdf',
  ],
  'must be the content\'s SHA-256 as 64 hex digits': [
    '必须是内容的 SHA-256（64 位十六进制数字）',
    'Must be the content\'s SHA-256 as 64 hex digits',
  ],
  // Users, departments, roles and passwords.
  'no such department': ['部门不存在', 'No such department'],
  'no such user': ['用户不存在', 'No such user'],
  'a user cannot be their own manager':
      ['用户不能是自己的上级', 'A user cannot be their own manager'],
  'cannot move a department under itself or its subtree': [
    '不能把部门移到它自己或其下级部门之下',
    'Cannot move a department under itself or its subtree',
  ],
  'must be 1-64 letters, digits or . _ - @, starting with a letter or digit': [
    '须为 1-64 个字母、数字或 . _ - @，以字母或数字开头',
    'Must be 1-64 letters, digits or . _ - @, starting with a letter or digit',
  ],
  'must be 2-63 lower-case letters, digits or _, starting with a letter': [
    '须为 2-63 个小写字母、数字或 _，以字母开头',
    'Must be 2-63 lower-case letters, digits or _, starting with a letter',
  ],
  'must name at most 100 users': ['最多 100 个用户', 'At most 100 users'],
  'is not a role name': ['不是有效的角色名', 'Not a role name'],
  'is not a user state': ['不是有效的用户状态', 'Not a user state'],
  'must be ACTIVE or DISABLED': ['必须是 ACTIVE 或 DISABLED', 'Must be ACTIVE or DISABLED'],
  'must be NONE, OWN, DEPARTMENT or ALL': [
    '必须是 NONE、OWN、DEPARTMENT 或 ALL',
    'Must be NONE, OWN, DEPARTMENT or ALL',
  ],
  'must be valid UTF-8': ['必须是有效的 UTF-8', 'Must be valid UTF-8'],
  'must not contain the username': ['不能包含用户名', 'Must not contain the username'],
  'is one of the most common passwords; choose another': [
    '是最常见的密码之一，请换一个',
    'One of the most common passwords; choose another',
  ],
  'must not be one character repeated':
      ['不能是同一个字符的重复', 'Must not be one character repeated'],
  'must differ from the current password':
      ['不能与当前密码相同', 'Must differ from the current password'],
  'is not the current password': ['当前密码不正确', 'Not the current password'],
  // Customers, contacts, relations, dictionaries, imports.
  'must be between 1 and 5 (0: not rated)': [
    '必须在 1 到 5 之间（0 表示未评）',
    'Must be between 1 and 5 (0: not rated)',
  ],
  'may contain only digits, spaces and -, at most 50': [
    '只能包含数字、空格和 -，最多 50 位',
    'Only digits, spaces and -, at most 50',
  ],
  'at most 50 attributes': ['最多 50 个属性', 'At most 50 attributes'],
  'a new customer belongs to its creator; hand it over to change the owner': [
    '新客户归创建人所有；如需更换负责人，请移交客户',
    'A new customer belongs to its creator; hand it over to change the owner',
  ],
  'is not a customer status': ['不是有效的客户状态', 'Not a customer status'],
  'is not a dictionary kind': ['不是有效的字典类型', 'Not a dictionary kind'],
  'is not an external.salesys.v1.Order':
      ['不是 external.salesys.v1.Order', 'Not an external.salesys.v1.Order'],
  'at most 100 per row': ['每行最多 100 个', 'At most 100 per row'],
  'a contact cannot report to themselves':
      ['联系人不能向自己汇报', 'A contact cannot report to themselves'],
  'is not a contact of the same customer':
      ['不是同一客户的联系人', 'Not a contact of the same customer'],
  'is not a contact of the customer': ['不是该客户的联系人', 'Not a contact of the customer'],
  'would make a reporting cycle': ['会形成循环汇报关系', 'Would make a reporting cycle'],
  'must be between 1 (barely) and 5 (close)': [
    '必须在 1（不熟）到 5（亲密）之间',
    'Must be between 1 (barely) and 5 (close)',
  ],
  'a customer cannot be linked to itself':
      ['客户不能与自身关联', 'A customer cannot be linked to itself'],
  'at most 100 ids': ['最多 100 个 ID', 'At most 100 ids'],
  // Opportunities and plans.
  'is required when there is no customer_id':
      ['未指定 customer_id 时必填', 'Required when there is no customer_id'],
  'there is no active stage (see ListStages)': [
    '没有启用的阶段（见 ListStages）',
    'There is no active stage (see ListStages)',
  ],
  'is not an active stage (see ListStages)': [
    '不是启用的阶段（见 ListStages）',
    'Not an active stage (see ListStages)',
  ],
  'is not in your department or below it':
      ['不在您的部门或其下级部门中', 'Not in your department or below it'],
  'has no amount or update_time': ['缺少 amount 或 update_time', 'Has no amount or update_time'],
  // Contracts.
  'must not be before start_date': ['不能早于 start_date', 'Must not be before start_date'],
  'a contract is submitted with at least one line': [
    '提交的合同至少要有一个合同行',
    'A contract is submitted with at least one line',
  ],
  'is required to submit': ['提交前必填', 'Required to submit'],
  'the total amount is too large': ['总金额过大', 'The total amount is too large'],
  'the line\'s amount is too large': ['该合同行的金额过大', 'The line\'s amount is too large'],
  'a new currency_code needs the lines too (their prices are in the currency)': [
    '更改 currency_code 时须同时提交 lines（合同行价格以该币种计）',
    'A new currency_code needs the lines too (their prices are in the currency)',
  ],
  'is not a contact of the contract\'s customer':
      ['不是该合同客户的联系人', 'Not a contact of the contract\'s customer'],
  'is after the contract\'s end date': ['晚于合同的结束日期', 'After the contract\'s end date'],
  'was won with another customer than contract.customer_id': [
    '赢单客户与 contract.customer_id 不一致',
    'Was won with another customer than contract.customer_id',
  ],
  // Receivables, payments, deliveries, collection.
  'must be an installment\'s number (1, 2, …)':
      ['必须是期次（1、2、…）', 'Must be an installment\'s number (1, 2, …)'],
  'must be a line\'s position (1, 2, …)':
      ['必须是合同行的序号（1、2、…）', 'Must be a line\'s position (1, 2, …)'],
  'must be in one currency with the others':
      ['必须与其他期次使用同一币种', 'Must be in one currency with the others'],
  'is not a token of this list': ['不是此列表的分页令牌', 'Not a token of this list'],
  'is required: a payment is recorded once per request id': [
    '必填：同一 request id 只登记一次回款',
    'Required: a payment is recorded once per request id',
  ],
  'is required: a reversal is recorded once per request id': [
    '必填：同一 request id 只登记一次冲销',
    'Required: a reversal is recorded once per request id',
  ],
  'is required when a service account records a payment': [
    '由服务账号登记回款时必填',
    'Required when a service account records a payment',
  ],
  'is no longer in use': ['已停用', 'No longer in use'],
  // Tickets.
  'is not a contact of the ticket\'s customer':
      ['不是该服务单客户的联系人', 'Not a contact of the ticket\'s customer'],
  'was used for another ticket': ['已用于另一张服务单', 'Was used for another ticket'],
  'must be between 1 and 525600 (a year)':
      ['必须在 1 到 525600（一年）之间', 'Must be between 1 and 525600 (a year)'],
  'must not be less than first_response_minutes': [
    '不能小于 first_response_minutes',
    'Must not be less than first_response_minutes',
  ],
  // Reports and targets.
  'is not a known report': ['不是已知的报表', 'Not a known report'],
  'is not a known unit': ['不是已知的周期单位', 'Not a known unit'],
  'must be owner or department': ['必须是 owner 或 department', 'Must be owner or department'],
  'does not apply to this report': ['不适用于此报表', 'Does not apply to this report'],
  'is not a token of this report': ['不是此报表的分页令牌', 'Not a token of this report'],
  'must be a year, a quarter or a month':
      ['必须是年、季度或月', 'Must be a year, a quarter or a month'],
};

// What the services name in "is not … you can see" (a peer's record) and in "is not an active …"
// (a dictionary kind); other names are left to fall through unchanged.
const things: Record<string, string> = {
  'a user': '用户',
  'a customer': '客户',
  'a contact': '联系人',
  'an opportunity': '商机',
  region: '地区',
  industry: '行业',
  level: '客户等级',
  source: '客户来源',
};

// Messages built with numbers, names or lists inside; the first pattern that matches wins.
const patterns: [RegExp, (m: RegExpExecArray) => [string, string]][] = [
  [/^must be at most (\d+) characters$/, (m) => [`最多 ${m[1]} 个字符`, `At most ${m[1]} characters`]],
  [/^must be at least (\d+) characters$/, (m) => [`至少 ${m[1]} 个字符`, `At least ${m[1]} characters`]],
  [/^must be at most (\d+) bytes$/, (m) => [`最多 ${m[1]} 字节`, `At most ${m[1]} bytes`]],
  [
    /^must be at most (\d+) letters, digits or -$/,
    (m) => [`最多 ${m[1]} 个字母、数字或 -`, `At most ${m[1]} letters, digits or -`],
  ],
  [
    /^must be between (-?\d+) and (-?\d+)$/,
    (m) => [`必须在 ${m[1]} 到 ${m[2]} 之间`, `Must be between ${m[1]} and ${m[2]}`],
  ],
  [
    /^must be between (\d+) and (\d+) \(0: (\d+)\)$/,
    (m) => [`必须在 ${m[1]} 到 ${m[2]} 之间（0 表示 ${m[3]}）`, `Must be between ${m[1]} and ${m[2]} (0: ${m[3]})`],
  ],
  [/^must be one of (.+)$/, (m) => [`必须是以下之一：${m[1]}`, `Must be one of ${m[1]}`]],
  [/^must differ from (\w+)$/, (m) => [`不能与 ${m[1]} 相同`, `Must differ from ${m[1]}`]],
  [/^is before (\w+)$/, (m) => [`不能早于 ${m[1]}`, `Before ${m[1]}`]],
  [/^at most (\d+) tags$/, (m) => [`最多 ${m[1]} 个标签`, `At most ${m[1]} tags`]],
  [/^at most (\d+) \(none for all\)$/, (m) => [`最多 ${m[1]} 个（不填表示全部）`, `At most ${m[1]} (none for all)`]],
  [/^at most (\d+) rows per message$/, (m) => [`每条消息最多 ${m[1]} 行`, `At most ${m[1]} rows per message`]],
  [/^must have at most (\d+) lines$/, (m) => [`最多 ${m[1]} 个合同行`, `At most ${m[1]} lines`]],
  [/^must have 1 to (\d+) installments$/, (m) => [`须有 1 到 ${m[1]} 期`, `Must have 1 to ${m[1]} installments`]],
  [
    /^"(.*)" is not an updatable field \(updatable: (.*)\)$/,
    (m) => [`“${m[1]}”不是可更新的字段（可更新：${m[2]}）`, `"${m[1]}" is not an updatable field (updatable: ${m[2]})`],
  ],
  [
    /^is not (a user|a customer|a contact|an opportunity) you can see$/,
    (m) => [`不是您可查看的${things[m[1]]}`, `Not ${m[1]} you can see`],
  ],
  [
    /^"(.*)" is not an active (region|industry|level|source) \(see ListDictionaryEntries\)$/,
    (m) => [
      `“${m[1]}”不是启用的${things[m[2]]}（见 ListDictionaryEntries）`,
      `"${m[1]}" is not an active ${m[2]} (see ListDictionaryEntries)`,
    ],
  ],
  [/^unknown role "(.*)"$/, (m) => [`未知角色“${m[1]}”`, `Unknown role "${m[1]}"`]],
  [/^unknown permission "(.*)"$/, (m) => [`未知权限“${m[1]}”`, `Unknown permission "${m[1]}"`]],
  [
    /^"(.*)" must be 1 to (\d+) printable characters$/,
    (m) => [`“${m[1]}”须为 1 到 ${m[2]} 个可打印字符`, `"${m[1]}" must be 1 to ${m[2]} printable characters`],
  ],
  [
    /^key "(.*)" must be 1 to (\d+) characters$/,
    (m) => [`键“${m[1]}”须为 1 到 ${m[2]} 个字符`, `Key "${m[1]}" must be 1 to ${m[2]} characters`],
  ],
  [
    /^repeats row (\d+) of the same batch$/,
    (m) => [`与本批第 ${m[1]} 行重复`, `Repeats row ${m[1]} of the same batch`],
  ],
  [
    /^must be in the contract's currency (\w+)$/,
    (m) => [`必须使用合同币种 ${m[1]}`, `Must be in the contract's currency ${m[1]}`],
  ],
  [
    /^is more than the line's gross amount \((\d+) minor units of (\w+)\)$/,
    (m) => [
      `超过该合同行的折前金额（${m[1]} 个最小货币单位，${m[2]}）`,
      `More than the line's gross amount (${m[1]} minor units of ${m[2]})`,
    ],
  ],
  [
    /^contract (.+) has installments 1 to (\d+)$/,
    (m) => [`合同 ${m[1]} 只有第 1 到 ${m[2]} 期`, `Contract ${m[1]} has installments 1 to ${m[2]}`],
  ],
  [
    /^contract (.+) has lines 1 to (\d+)$/,
    (m) => [`合同 ${m[1]} 只有第 1 到 ${m[2]} 个合同行`, `Contract ${m[1]} has lines 1 to ${m[2]}`],
  ],
  [
    /^is the due date of (installments\[\d+\]) too$/,
    (m) => [`与 ${m[1]} 的到期日相同`, `Also the due date of ${m[1]}`],
  ],
  [
    /^must be in (\w+), the receivable's currency$/,
    (m) => [`必须使用应收款的币种 ${m[1]}`, `Must be in ${m[1]}, the receivable's currency`],
  ],
  [
    /^amounts must be in (\w+), the receivable's currency$/,
    (m) => [`金额必须使用应收款的币种 ${m[1]}`, `Amounts must be in ${m[1]}, the receivable's currency`],
  ],
  [
    /^add up to (.+); they must add up to the amount due, (.+)$/,
    (m) => [`合计 ${m[1]}，须等于应收金额 ${m[2]}`, `Add up to ${m[1]}; they must add up to the amount due, ${m[2]}`],
  ],
  [/^is not a payment method \((.*)\)$/, (m) => [`不是可用的付款方式（${m[1]}）`, `Not a payment method (${m[1]})`]],
  [
    /^is not an active ticket type: (.*)$/,
    (m) => [`不是启用的服务类型：${m[1]}`, `Not an active ticket type: ${m[1]}`],
  ],
  [
    /^the content is longer than the (\d+) bytes declared in metadata\.size_bytes$/,
    (m) => [
      `内容超过了 metadata.size_bytes 声明的 ${m[1]} 字节`,
      `The content is longer than the ${m[1]} bytes declared in metadata.size_bytes`,
    ],
  ],
  [
    /^the upload has (\d+) bytes, not the (\d+) declared: it is incomplete or corrupted$/,
    (m) => [
      `上传的内容有 ${m[1]} 字节，而不是声明的 ${m[2]} 字节：文件不完整或已损坏`,
      `The upload has ${m[1]} bytes, not the ${m[2]} declared: it is incomplete or corrupted`,
    ],
  ],
  [
    /^the content's SHA-256 is (\w+), not the one declared: the upload is corrupted$/,
    (m) => [
      `内容的 SHA-256 为 ${m[1]}，与声明的不符：上传的文件已损坏`,
      `The content's SHA-256 is ${m[1]}, not the one declared: the upload is corrupted`,
    ],
  ],
];

export function fieldMessage(message: string): string {
  // Own keys only: a message such as "constructor" must not find Object's members.
  if (Object.prototype.hasOwnProperty.call(exact, message)) return L(...exact[message]);
  for (const [pattern, say] of patterns) {
    const m = pattern.exec(message);
    if (m) return L(...say(m));
  }
  return message;
}
