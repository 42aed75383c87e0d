-- Activities (集中报到周, 主题党日, 共建项目, 民生实事, 联席会议, volunteer service), sign-ups and
-- attendance with outcomes, and the communities' monthly demand/service lists (需求清单/服务清单).
-- Generation is idempotent through ux_activities_generated (community, kind, month).

CREATE TABLE activities (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    kind character varying(24) NOT NULL,
    community_id uuid NOT NULL,
    title character varying(100) NOT NULL,
    description character varying(2000),
    place character varying(200),
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    capacity integer,
    organiser_unit_id uuid,
    status character varying(16) NOT NULL,
    check_in_code character varying(12) NOT NULL,
    generated_for date,
    created_at timestamp with time zone NOT NULL,
    opened_at timestamp with time zone,
    completed_at timestamp with time zone,
    cancelled_at timestamp with time zone,
    cancel_reason character varying(500),
    version integer NOT NULL,
    CONSTRAINT pk_activities PRIMARY KEY (id)
);
CREATE TABLE monthly_lists (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    community_id uuid NOT NULL,
    month date NOT NULL,
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    closed_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_monthly_lists PRIMARY KEY (id)
);
CREATE TABLE activity_sign_ups (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    activity_id uuid NOT NULL,
    member_id uuid NOT NULL,
    signed_up_at timestamp with time zone NOT NULL,
    cancelled_at timestamp with time zone,
    CONSTRAINT pk_activity_sign_ups PRIMARY KEY (id),
    CONSTRAINT fk_activity_sign_ups_activities_activity_id FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE
);
CREATE TABLE attendances (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    activity_id uuid NOT NULL,
    member_id uuid NOT NULL,
    unit_id uuid,
    signed_up boolean NOT NULL,
    checked_in_at timestamp with time zone NOT NULL,
    check_in_method character varying(8) NOT NULL,
    checked_in_by character varying(50),
    checked_out_at timestamp with time zone,
    check_out_method character varying(8),
    checked_out_by character varying(50),
    service_minutes integer NOT NULL,
    outcome character varying(2000),
    evidence_urls text[] NOT NULL,
    outcome_recorded_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_attendances PRIMARY KEY (id),
    CONSTRAINT fk_attendances_activities_activity_id FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE
);
CREATE TABLE monthly_list_items (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    list_id uuid NOT NULL,
    title character varying(100) NOT NULL,
    description character varying(2000),
    category character varying(50) NOT NULL,
    source character varying(16) NOT NULL,
    request_id uuid,
    status character varying(16) NOT NULL,
    unit_id uuid,
    added_at timestamp with time zone NOT NULL,
    claimed_at timestamp with time zone,
    done_at timestamp with time zone,
    removed_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_monthly_list_items PRIMARY KEY (id),
    CONSTRAINT fk_monthly_list_items_monthly_lists_list_id FOREIGN KEY (list_id) REFERENCES monthly_lists (id) ON DELETE CASCADE
);
CREATE TABLE monthly_list_progress (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    item_id uuid NOT NULL,
    status character varying(16) NOT NULL,
    note character varying(1000),
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_monthly_list_progress PRIMARY KEY (id),
    CONSTRAINT fk_monthly_list_progress_monthly_list_items_item_id FOREIGN KEY (item_id) REFERENCES monthly_list_items (id) ON DELETE CASCADE
);
CREATE INDEX ix_activities_county_id ON activities (county_id);
CREATE INDEX ix_activities_starts_at ON activities (starts_at);
CREATE UNIQUE INDEX ux_activities_generated ON activities (community_id, kind, generated_for);
CREATE INDEX ix_activity_sign_ups_county_id ON activity_sign_ups (county_id);
CREATE INDEX ix_activity_sign_ups_member_id ON activity_sign_ups (member_id);
CREATE UNIQUE INDEX ux_activity_sign_ups_live ON activity_sign_ups (activity_id, member_id) WHERE cancelled_at IS NULL;
CREATE INDEX ix_attendances_county_id ON attendances (county_id);
CREATE INDEX ix_attendances_member_id ON attendances (member_id);
CREATE UNIQUE INDEX ux_attendances_activity_member ON attendances (activity_id, member_id);
CREATE INDEX ix_monthly_list_items_county_id ON monthly_list_items (county_id);
CREATE INDEX ix_monthly_list_items_list_id ON monthly_list_items (list_id);
CREATE INDEX ix_monthly_list_items_unit_id ON monthly_list_items (unit_id);
CREATE INDEX ix_monthly_list_progress_county_id ON monthly_list_progress (county_id);
CREATE INDEX ix_monthly_list_progress_item_id ON monthly_list_progress (item_id);
CREATE INDEX ix_monthly_lists_county_id ON monthly_lists (county_id);
CREATE UNIQUE INDEX ux_monthly_lists_community_month ON monthly_lists (community_id, month);

SELECT platform_enable_tenant_isolation('activities');
SELECT platform_enable_tenant_isolation('activity_sign_ups');
SELECT platform_enable_tenant_isolation('attendances');
SELECT platform_enable_tenant_isolation('monthly_lists');
SELECT platform_enable_tenant_isolation('monthly_list_items');
SELECT platform_enable_tenant_isolation('monthly_list_progress');
