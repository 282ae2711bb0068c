-- The permission catalogue and the built-in roles of SPEC §3. Both are data: an admin edits
-- role permissions through DirectoryService.UpdateRole.

INSERT INTO auth.permissions (name, description) VALUES
  ('auth.departments.read',   'Read the organisation tree'),
  ('auth.departments.write',  'Create, change and delete departments'),
  ('auth.users.read',         'Read users within the record scope'),
  ('auth.users.write',        'Create and change users, roles of users, passwords; all users'),
  ('auth.roles.read',         'Read roles and the permission catalogue'),
  ('auth.roles.write',        'Create, change and delete roles'),
  ('events.watch',            'Subscribe to a service''s event stream'),
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
  ('payments.read',           'Read receivables, payment plans and records'),
  ('payments.write',          'Record payment plans, payments and deliveries'),
  ('service.tickets.read',    'Read service tickets'),
  ('service.tickets.create',  'Create service tickets'),
  ('service.tickets.assign',  'Assign service tickets'),
  ('service.tickets.handle',  'Handle tickets and record feedback'),
  ('analytics.reports.read',  'Read reports');

INSERT INTO auth.roles (name, display_name, description, data_scope, builtin) VALUES
  ('admin',           '系统管理员', 'Users, roles, permissions, dictionaries; no business data', 'none', true),
  ('executive',       '高管',       'Reads everything, all reports', 'all', true),
  ('sales_manager',   '销售主管',   'Creates and assigns opportunities and tickets; sees the department subtree', 'department', true),
  ('account_manager', '客户经理',   'Maintains own customers, opportunities, plans and tickets', 'own', true),
  ('service_agent',   '客服',       'Creates, handles and gives feedback on tickets', 'all', true),
  ('finance',         '财务主管',   'Contracts, payment plans, payment records, receivables', 'all', true),
  ('integration',     '系统集成',   'Service accounts of background workers and consumers', 'all', true);

INSERT INTO auth.role_permissions (role, permission)
SELECT r, p FROM (VALUES
  ('admin', 'auth.departments.read'), ('admin', 'auth.departments.write'),
  ('admin', 'auth.users.read'), ('admin', 'auth.users.write'),
  ('admin', 'auth.roles.read'), ('admin', 'auth.roles.write'),
  ('admin', 'dictionaries.write'), ('admin', 'events.watch'),

  ('executive', 'auth.departments.read'), ('executive', 'auth.users.read'),
  ('executive', 'customers.read'), ('executive', 'customers.export'),
  ('executive', 'pipeline.opportunities.read'), ('executive', 'contracts.read'),
  ('executive', 'payments.read'), ('executive', 'service.tickets.read'),
  ('executive', 'analytics.reports.read'),

  ('sales_manager', 'auth.departments.read'), ('sales_manager', 'auth.users.read'),
  ('sales_manager', 'customers.read'), ('sales_manager', 'customers.write'),
  ('sales_manager', 'customers.handover'), ('sales_manager', 'customers.merge'),
  ('sales_manager', 'customers.export'), ('sales_manager', 'customers.loss.manage'),
  ('sales_manager', 'pipeline.opportunities.read'), ('sales_manager', 'pipeline.opportunities.create'),
  ('sales_manager', 'pipeline.opportunities.write'), ('sales_manager', 'pipeline.opportunities.assign'),
  ('sales_manager', 'contracts.read'), ('sales_manager', 'payments.read'),
  ('sales_manager', 'service.tickets.read'), ('sales_manager', 'service.tickets.assign'),
  ('sales_manager', 'analytics.reports.read'),

  ('account_manager', 'auth.departments.read'), ('account_manager', 'auth.users.read'),
  ('account_manager', 'customers.read'), ('account_manager', 'customers.write'),
  ('account_manager', 'customers.import'), ('account_manager', 'customers.export'),
  ('account_manager', 'customers.loss.manage'),
  ('account_manager', 'pipeline.opportunities.read'), ('account_manager', 'pipeline.opportunities.create'),
  ('account_manager', 'pipeline.opportunities.write'),
  ('account_manager', 'contracts.read'), ('account_manager', 'contracts.write'),
  ('account_manager', 'service.tickets.read'), ('account_manager', 'service.tickets.create'),
  ('account_manager', 'service.tickets.handle'),

  ('service_agent', 'auth.departments.read'), ('service_agent', 'customers.read'),
  ('service_agent', 'service.tickets.read'), ('service_agent', 'service.tickets.create'),
  ('service_agent', 'service.tickets.handle'),

  ('finance', 'auth.departments.read'), ('finance', 'customers.read'),
  ('finance', 'contracts.read'), ('finance', 'payments.read'), ('finance', 'payments.write'),
  ('finance', 'analytics.reports.read'),

  ('integration', 'events.watch'), ('integration', 'auth.users.read'),
  ('integration', 'auth.departments.read'), ('integration', 'customers.read'),
  ('integration', 'pipeline.opportunities.read'), ('integration', 'contracts.read'),
  ('integration', 'payments.read'), ('integration', 'service.tickets.read')
) AS v (r, p);
