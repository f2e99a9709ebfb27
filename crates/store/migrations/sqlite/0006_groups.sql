-- User-pool groups and their members. A group is keyed by (pool, name), names being
-- case-sensitive; deleting a pool, a group or a user removes the memberships with it.
CREATE TABLE groups (
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    precedence BIGINT,
    role_arn TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

-- The primary key serves the token paths' read (a user's groups, by name); the second index
-- serves a group's members and the cascade from groups.
CREATE TABLE user_groups (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (user_id, group_name),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups(pool_id, name) ON DELETE CASCADE
);
CREATE INDEX user_groups_group ON user_groups(pool_id, group_name, user_id);
