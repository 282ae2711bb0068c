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
CREATE INDEX refresh_tokens_expires ON auth.refresh_tokens (expires_at);
