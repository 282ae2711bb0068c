-- The organisation, principals, roles and sessions.

CREATE TABLE auth.departments (
  id         uuid PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  parent_id  uuid REFERENCES auth.departments (id),
  manager_id uuid,
  version    bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS DISTINCT FROM id)
);
-- Sibling names are unique (case-insensitively); roots are siblings of each other.
CREATE UNIQUE INDEX departments_sibling_name
  ON auth.departments (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), lower(name));
CREATE INDEX departments_parent ON auth.departments (parent_id);

CREATE TABLE auth.users (
  id                  uuid PRIMARY KEY,
  username            text NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
  display_name        text NOT NULL DEFAULT '',
  email               text NOT NULL DEFAULT '',
  phone               text NOT NULL DEFAULT '',
  department_id       uuid REFERENCES auth.departments (id),
  manager_id          uuid REFERENCES auth.users (id),
  kind                text NOT NULL CHECK (kind IN ('human', 'service')),
  state               text NOT NULL CHECK (state IN ('active', 'disabled')),
  -- argon2id, in the PHC string format (parameters and salt included).
  password_hash       text NOT NULL,
  failed_logins       int NOT NULL DEFAULT 0,
  locked_until        timestamptz,
  last_login_at       timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  version             bigint NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (manager_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX users_username ON auth.users (lower(username));
CREATE INDEX users_department ON auth.users (department_id, id);
CREATE INDEX users_manager ON auth.users (manager_id);

ALTER TABLE auth.departments
  ADD CONSTRAINT departments_manager_fk FOREIGN KEY (manager_id) REFERENCES auth.users (id);

CREATE TABLE auth.permissions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.]*$'),
  description text NOT NULL DEFAULT ''
);

CREATE TABLE auth.roles (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,62}$'),
  display_name text NOT NULL,
  description  text NOT NULL DEFAULT '',
  data_scope   text NOT NULL CHECK (data_scope IN ('none', 'own', 'department', 'all')),
  builtin      boolean NOT NULL DEFAULT false,
  version      bigint NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.role_permissions (
  role       text NOT NULL REFERENCES auth.roles (name) ON DELETE CASCADE,
  permission text NOT NULL REFERENCES auth.permissions (name),
  PRIMARY KEY (role, permission)
);

CREATE TABLE auth.user_roles (
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role    text NOT NULL REFERENCES auth.roles (name),
  PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role ON auth.user_roles (role, user_id);

-- Refresh tokens, stored as SHA-256 of the token. A family is one sign-in: every refresh
-- rotates to a new token of the same family, and presenting a rotated token again revokes the
-- whole family (it was stolen, or the client is confused).
CREATE TABLE auth.refresh_tokens (
  id            uuid PRIMARY KEY,
  family_id     uuid NOT NULL,
  user_id       uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_hash    bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  revoked_at    timestamptz,
  revoke_reason text
);
CREATE INDEX refresh_tokens_family ON auth.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_live_by_user ON auth.refresh_tokens (user_id) WHERE revoked_at IS NULL;
-- Retention: the purge of expired tokens.
CREATE INDEX refresh_tokens_expires ON auth.refresh_tokens (expires_at);

-- The permission catalogue and the built-in roles of SPEC §3. Both are data: an admin edits
-- role permissions through DirectoryService.UpdateRole.

INSERT INTO auth.permissions (name, description) VALUES
  ('auth.departments.read',   'Read the organisation tree'),
  ('auth.departments.write',  'Create, change and delete departments'),
  ('auth.users.read',         'Read users within the record scope'),
  ('auth.users.write',        'Create and change users, roles of users, passwords; all users'),
  ('auth.roles.read',         'Read roles and the permission catalogue'),
  ('auth.roles.write',        'Create, change and delete roles'),
  ('auth.events.watch',       'Follow the auth service''s event stream (service accounts only)'),
  ('customers.events.watch',  'Follow the customers service''s event stream (service accounts only)'),
  ('pipeline.events.watch',   'Follow the pipeline service''s event stream (service accounts only)'),
  ('contracts.events.watch',  'Follow the contracts service''s event stream (service accounts only)'),
  ('payments.events.watch',   'Follow the payments service''s event stream (service accounts only)'),
  ('service.events.watch',    'Follow the service (tickets) service''s event stream (service accounts only)'),
  ('dictionaries.write',      'Edit dictionaries (levels, regions, industries, ticket types)'),
  ('customers.read',          'Read customers, contacts and interactions'),
  ('customers.write',         'Create and change customers, contacts and interactions'),
  ('customers.delete',        'Delete customers'),
  ('customers.handover',      'Hand customers over between account managers'),
  ('customers.merge',         'Merge duplicate customers'),
  ('customers.import',        'Bulk-import customers and contacts'),
  ('customers.export',        'Export customers and contacts'),
  ('customers.loss.manage',   'Delay or confirm the loss of a customer'),
  ('pipeline.opportunities.read',   'Read sales opportunities'),
  ('pipeline.opportunities.create', 'Create sales opportunities'),
  ('pipeline.opportunities.write',  'Change opportunities and development plans'),
  ('pipeline.opportunities.assign', 'Assign opportunities'),
  ('contracts.read',          'Read contracts and orders'),
  ('contracts.write',         'Create and change contracts and orders'),
  ('contracts.review',        'Review (approve or reject) submitted contracts'),
  ('payments.read',           'Read receivables, payment plans and records'),
  ('payments.write',          'Set payment plans, record payments and their reversals'),
  ('payments.deliveries.write', 'Record deliveries and their shipping and acceptance'),
  ('payments.collect',        'Add collection notes on overdue installments'),
  ('service.tickets.read',    'Read service tickets'),
  ('service.tickets.create',  'Create service tickets'),
  ('service.tickets.assign',  'Assign service tickets'),
  ('service.tickets.handle',  'Handle the tickets assigned to them'),
  ('service.tickets.feedback', 'Record the feedback on tickets they created or whose customer they own'),
  ('analytics.reports.read',  'Read reports'),
  ('analytics.targets.write', 'Set and delete sales targets of the department subtree (all, company-wide)');

INSERT INTO auth.roles (name, display_name, description, data_scope, builtin) VALUES
  ('admin',           '系统管理员', 'Users, roles, permissions, dictionaries; no business data', 'none', true),
  ('executive',       '高管',       'Reads everything, all reports', 'all', true),
  ('sales_manager',   '销售主管',   'Creates and assigns opportunities and tickets; sees the department subtree', 'department', true),
  ('account_manager', '客户经理',   'Maintains own customers, opportunities, plans and tickets', 'own', true),
  ('service_agent',   '客服',       'Creates, handles and gives feedback on tickets', 'all', true),
  ('service_lead',    '客服主管',   'Assigns tickets to the department subtree and handles them', 'department', true),
  ('finance',         '财务主管',   'Contracts, payment plans, payment records, receivables', 'all', true),
  ('integration',     '系统集成',   'Service accounts of integrations that read every stream and record', 'all', true),
  ('pipeline_follower', '商机同步', 'The pipeline service''s account: follows customer hand-overs and merges, and contracts of won opportunities', 'none', true),
  ('contracts_follower', '合同同步', 'The contracts service''s account: follows customer hand-overs and merges', 'none', true),
  ('customers_follower', '客户同步', 'The customers service''s account: follows orders for churn handling', 'none', true),
  ('payments_follower', '回款同步', 'The payments service''s account: follows signed contracts into receivables', 'none', true),
  ('service_follower', '服务同步', 'The service (tickets) service''s account: follows customer hand-overs and merges', 'none', true),
  ('analytics_follower', '报表同步', 'The analytics service''s account: follows every service''s events into the report read models', 'none', true);

INSERT INTO auth.role_permissions (role, permission)
SELECT r, p FROM (VALUES
  ('admin', 'auth.departments.read'), ('admin', 'auth.departments.write'),
  ('admin', 'auth.users.read'), ('admin', 'auth.users.write'),
  ('admin', 'auth.roles.read'), ('admin', 'auth.roles.write'),
  ('admin', 'dictionaries.write'),

  ('executive', 'auth.departments.read'), ('executive', 'auth.users.read'),
  ('executive', 'customers.read'), ('executive', 'customers.export'),
  ('executive', 'pipeline.opportunities.read'), ('executive', 'contracts.read'),
  ('executive', 'contracts.review'),
  ('executive', 'payments.read'), ('executive', 'service.tickets.read'),
  ('executive', 'analytics.reports.read'), ('executive', 'analytics.targets.write'),

  ('sales_manager', 'auth.departments.read'), ('sales_manager', 'auth.users.read'),
  ('sales_manager', 'customers.read'), ('sales_manager', 'customers.write'),
  ('sales_manager', 'customers.handover'), ('sales_manager', 'customers.merge'),
  ('sales_manager', 'customers.export'), ('sales_manager', 'customers.loss.manage'),
  ('sales_manager', 'pipeline.opportunities.read'), ('sales_manager', 'pipeline.opportunities.create'),
  ('sales_manager', 'pipeline.opportunities.write'), ('sales_manager', 'pipeline.opportunities.assign'),
  ('sales_manager', 'contracts.read'), ('sales_manager', 'contracts.write'),
  ('sales_manager', 'contracts.review'), ('sales_manager', 'payments.read'),
  ('sales_manager', 'payments.collect'), ('sales_manager', 'payments.deliveries.write'),
  ('sales_manager', 'service.tickets.read'), ('sales_manager', 'service.tickets.assign'),
  ('sales_manager', 'service.tickets.create'),
  ('sales_manager', 'analytics.reports.read'), ('sales_manager', 'analytics.targets.write'),

  ('account_manager', 'auth.departments.read'), ('account_manager', 'auth.users.read'),
  ('account_manager', 'customers.read'), ('account_manager', 'customers.write'),
  ('account_manager', 'customers.import'), ('account_manager', 'customers.export'),
  ('account_manager', 'customers.loss.manage'),
  ('account_manager', 'pipeline.opportunities.read'), ('account_manager', 'pipeline.opportunities.create'),
  ('account_manager', 'pipeline.opportunities.write'),
  ('account_manager', 'contracts.read'), ('account_manager', 'contracts.write'),
  ('account_manager', 'payments.read'), ('account_manager', 'payments.collect'),
  ('account_manager', 'payments.deliveries.write'),
  ('account_manager', 'service.tickets.read'), ('account_manager', 'service.tickets.create'),
  ('account_manager', 'service.tickets.handle'), ('account_manager', 'service.tickets.feedback'),

  ('service_agent', 'auth.departments.read'), ('service_agent', 'customers.read'),
  ('service_agent', 'service.tickets.read'), ('service_agent', 'service.tickets.create'),
  ('service_agent', 'service.tickets.handle'), ('service_agent', 'service.tickets.feedback'),

  ('service_lead', 'auth.departments.read'), ('service_lead', 'auth.users.read'),
  ('service_lead', 'customers.read'), ('service_lead', 'service.tickets.read'),
  ('service_lead', 'service.tickets.assign'), ('service_lead', 'service.tickets.handle'),
  ('service_lead', 'service.tickets.feedback'),

  ('finance', 'auth.departments.read'), ('finance', 'customers.read'),
  ('finance', 'contracts.read'), ('finance', 'payments.read'), ('finance', 'payments.write'),
  ('finance', 'payments.deliveries.write'), ('finance', 'payments.collect'),
  ('finance', 'analytics.reports.read'),

  ('integration', 'auth.events.watch'), ('integration', 'customers.events.watch'),
  ('integration', 'pipeline.events.watch'), ('integration', 'contracts.events.watch'),
  ('integration', 'payments.events.watch'), ('integration', 'service.events.watch'),
  ('integration', 'auth.users.read'),
  ('integration', 'auth.departments.read'), ('integration', 'customers.read'),
  ('integration', 'pipeline.opportunities.read'), ('integration', 'contracts.read'),
  ('integration', 'payments.read'), ('integration', 'service.tickets.read'),

  ('pipeline_follower', 'customers.events.watch'), ('pipeline_follower', 'contracts.events.watch'),
  ('contracts_follower', 'customers.events.watch'), ('contracts_follower', 'payments.events.watch'),
  ('payments_follower', 'contracts.events.watch'),
  ('customers_follower', 'contracts.events.watch'), ('customers_follower', 'service.events.watch'),
  ('service_follower', 'customers.events.watch'),
  ('analytics_follower', 'auth.events.watch'), ('analytics_follower', 'customers.events.watch'),
  ('analytics_follower', 'pipeline.events.watch'), ('analytics_follower', 'contracts.events.watch'),
  ('analytics_follower', 'payments.events.watch'), ('analytics_follower', 'service.events.watch')
) AS v (r, p);
