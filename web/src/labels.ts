// Names of the API's enum values in both languages, shared by the screens.
import { enumLabel } from './i18n';

type Names = Record<string, [string, string]>;
const labeller = (prefix: string, names: Names) => (v?: string) => enumLabel(v, prefix, names);
// The values of an enum (without UNSPECIFIED) as select options.
export const optionsOf = (prefix: string, names: Names, label: (v?: string) => string): [string, string][] =>
  Object.keys(names).map((k) => [prefix + k, label(prefix + k)]);

export const CUSTOMER_STATUS: Names = {
  ACTIVE: ['正常', 'Active'],
  LOSS_WARNING: ['流失预警', 'Loss warning'],
  LOSS_DELAYED: ['暂缓流失', 'Loss delayed'],
  LOST: ['已流失', 'Lost'],
};
export const customerStatus = labeller('CUSTOMER_STATUS_', CUSTOMER_STATUS);

export const OPPORTUNITY_STATUS: Names = {
  UNASSIGNED: ['未指派', 'Unassigned'],
  ASSIGNED: ['已指派', 'Assigned'],
  DEVELOPING: ['开发中', 'Developing'],
  WON: ['开发成功', 'Won'],
  LOST: ['终止开发', 'Terminated'],
};
export const opportunityStatus = labeller('OPPORTUNITY_STATUS_', OPPORTUNITY_STATUS);

export const CONTRACT_STATUS: Names = {
  DRAFT: ['草稿', 'Draft'],
  PENDING_REVIEW: ['待审批', 'Pending review'],
  APPROVED: ['已审批', 'Approved'],
  SIGNED: ['已签署', 'Signed'],
  COMPLETED: ['已完成', 'Completed'],
  TERMINATED: ['已终止', 'Terminated'],
};
export const contractStatus = labeller('CONTRACT_STATUS_', CONTRACT_STATUS);

export const TICKET_STATUS: Names = {
  NEW: ['新建', 'New'],
  ASSIGNED: ['已分配', 'Assigned'],
  HANDLED: ['已处理', 'Handled'],
  ARCHIVED: ['已归档', 'Archived'],
};
export const ticketStatus = labeller('TICKET_STATUS_', TICKET_STATUS);

export const TICKET_PRIORITY: Names = {
  LOW: ['低', 'Low'],
  NORMAL: ['普通', 'Normal'],
  HIGH: ['高', 'High'],
  URGENT: ['紧急', 'Urgent'],
};
export const ticketPriority = labeller('TICKET_PRIORITY_', TICKET_PRIORITY);

export const TICKET_CHANNEL: Names = {
  PHONE: ['电话', 'Phone'],
  VISIT: ['上门', 'Visit'],
  EMAIL: ['邮件', 'Email'],
  ONLINE: ['在线', 'Online'],
};
export const ticketChannel = labeller('TICKET_CHANNEL_', TICKET_CHANNEL);

export const INTERACTION_METHOD: Names = {
  VISIT: ['拜访', 'Visit'],
  PHONE: ['电话', 'Phone'],
  EMAIL: ['邮件', 'Email'],
  MEETING: ['会议', 'Meeting'],
  MESSAGE: ['消息', 'Message'],
};
export const interactionMethod = labeller('INTERACTION_METHOD_', INTERACTION_METHOD);

export const INSTALLMENT_STATUS: Names = {
  PENDING: ['待回款', 'Pending'],
  PARTIALLY_PAID: ['部分回款', 'Partly paid'],
  PAID: ['已回款', 'Paid'],
};
export const installmentStatus = labeller('INSTALLMENT_STATUS_', INSTALLMENT_STATUS);

export const RECEIVABLE_STATUS: Names = {
  OPEN: ['未结清', 'Open'],
  SETTLED: ['已结清', 'Settled'],
  TERMINATED: ['已终止', 'Terminated'],
};
export const receivableStatus = labeller('RECEIVABLE_STATUS_', RECEIVABLE_STATUS);

export const DELIVERY_STATUS: Names = {
  PENDING: ['待发货', 'Pending'],
  SHIPPED: ['已发货', 'Shipped'],
  ACCEPTED: ['已验收', 'Accepted'],
};
export const deliveryStatus = labeller('DELIVERY_STATUS_', DELIVERY_STATUS);

export const SALES_CHANNEL: Names = {
  DIRECT: ['直销', 'Direct'],
  ONLINE: ['网上订购', 'Online'],
  DISTRIBUTOR: ['经销商', 'Distributor'],
};
export const salesChannel = labeller('SALES_CHANNEL_', SALES_CHANNEL);

export const REVIEW_LEVEL: Names = {
  SALES_MANAGER: ['销售主管审批', 'Sales manager'],
  EXECUTIVE: ['高管审批', 'Executive'],
};
export const reviewLevel = labeller('REVIEW_LEVEL_', REVIEW_LEVEL);

export const REPORT_KIND: Names = {
  SALES_PERFORMANCE: ['销售统计', 'Sales performance'],
  PIPELINE_FUNNEL: ['销售漏斗', 'Sales funnel'],
  CUSTOMER_CONTRIBUTION: ['客户贡献分析', 'Customer contribution'],
  CUSTOMER_COMPOSITION: ['客户构成分析', 'Customer composition'],
  CUSTOMER_VALUE: ['客户价值分析', 'Customer value'],
  CUSTOMER_CHURN: ['客户流失分析', 'Customer churn'],
  SERVICE_COMPOSITION: ['客户服务构成分析', 'Service composition'],
  RECEIVABLES_AGING: ['应收账龄分析', 'Receivables aging'],
};
export const reportKind = labeller('REPORT_KIND_', REPORT_KIND);

export const PERIOD_UNIT: Names = {
  DAY: ['日', 'Day'],
  WEEK: ['周', 'Week'],
  MONTH: ['月', 'Month'],
  QUARTER: ['季度', 'Quarter'],
  YEAR: ['年', 'Year'],
};
export const periodUnit = labeller('PERIOD_UNIT_', PERIOD_UNIT);

export const TARGET_SUBJECT: Names = {
  USER: ['个人', 'Person'],
  DEPARTMENT: ['部门', 'Department'],
};
export const targetSubject = labeller('TARGET_SUBJECT_', TARGET_SUBJECT);

export const DATA_SCOPE: Names = {
  NONE: ['无业务数据', 'No business data'],
  OWN: ['本人', 'Own records'],
  DEPARTMENT: ['本部门及下级', 'Department subtree'],
  ALL: ['全部', 'Everything'],
};
export const dataScope = labeller('DATA_SCOPE_', DATA_SCOPE);

export const USER_STATE: Names = {
  ACTIVE: ['正常', 'Active'],
  DISABLED: ['已停用', 'Disabled'],
};
export const userState = labeller('USER_STATE_', USER_STATE);

export const DICTIONARY_KIND: Names = {
  LEVEL: ['客户等级', 'Customer levels'],
  REGION: ['地区', 'Regions'],
  INDUSTRY: ['行业', 'Industries'],
  SOURCE: ['客户来源', 'Sources'],
};
export const dictionaryKind = labeller('DICTIONARY_KIND_', DICTIONARY_KIND);

// ---- customers screen: contacts, churn, links and the sales system's orders ----
export const GENDER: Names = { MALE: ['男', 'Male'], FEMALE: ['女', 'Female'] };
export const gender = labeller('GENDER_', GENDER);

export const BUYING_ROLE: Names = {
  DECISION_MAKER: ['决策者', 'Decision maker'],
  INFLUENCER: ['影响者', 'Influencer'],
  USER: ['使用者', 'User'],
  GATEKEEPER: ['把关者', 'Gatekeeper'],
};
export const buyingRole = labeller('BUYING_ROLE_', BUYING_ROLE);

export const ATTITUDE: Names = {
  SUPPORTER: ['支持', 'Supporter'],
  NEUTRAL: ['中立', 'Neutral'],
  OPPONENT: ['反对', 'Opponent'],
};
export const attitude = labeller('ATTITUDE_', ATTITUDE);

export const SOCIAL_STYLE: Names = {
  EXPRESSIVE: ['开拓型', 'Expressive'],
  DRIVER: ['控制型', 'Driver'],
  AMIABLE: ['促进型', 'Amiable'],
  ANALYTICAL: ['分析型', 'Analytical'],
};
export const socialStyle = labeller('SOCIAL_STYLE_', SOCIAL_STYLE);

export const LOSS_ACTION_KIND: Names = {
  WARNED: ['流失预警', 'Warned'],
  DELAYED: ['暂缓流失', 'Delayed'],
  CONFIRMED: ['确定流失', 'Confirmed lost'],
  RECOVERED: ['恢复正常', 'Recovered'],
};
export const lossActionKind = labeller('LOSS_ACTION_KIND_', LOSS_ACTION_KIND);

export const CUSTOMER_LINK_KIND: Names = {
  REFERRAL: ['推荐', 'Referral'],
  PARENT_SUBSIDIARY: ['母子公司', 'Parent / subsidiary'],
  PARTNER: ['合作伙伴', 'Partner'],
  CHANNEL: ['渠道', 'Channel'],
};
export const customerLinkKind = labeller('CUSTOMER_LINK_KIND_', CUSTOMER_LINK_KIND);

export const SALES_ORDER_STATUS: Names = {
  OPEN: ['未发货', 'Open'],
  SHIPPED: ['已发货', 'Shipped'],
  COMPLETED: ['已完成', 'Completed'],
  CANCELLED: ['已取消', 'Cancelled'],
};
export const salesOrderStatus = labeller('ORDER_STATUS_', SALES_ORDER_STATUS);
