-- Residents' requests and their closed loop (点单 → 派单 → 接单 → 监单 → 评单): the requests, their
-- holders, history and extensions; the county's categories; supervision (escalations, whistles) and
-- the durable timers the scheduler acts on. supervision_timers is read across counties by the
-- scheduler (like the outbox) and so has no row-level security; every other table is isolated.

CREATE TABLE request_categories (
    county_id uuid NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(50) NOT NULL,
    description character varying(200),
    skills text[] NOT NULL,
    sort_order integer NOT NULL,
    CONSTRAINT pk_request_categories PRIMARY KEY (county_id, code)
);
CREATE TABLE requests (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    category character varying(32) NOT NULL,
    description character varying(2000) NOT NULL,
    skills text[] NOT NULL,
    community_id uuid NOT NULL,
    grid_id uuid,
    street_id uuid,
    address character varying(200),
    latitude double precision,
    longitude double precision,
    resident_name character varying(50),
    resident_phone character varying(20),
    channel character varying(16) NOT NULL,
    placed_by_member_id uuid,
    attachments text[] NOT NULL,
    is_micro_wish boolean NOT NULL,
    status character varying(16) NOT NULL,
    tier character varying(16),
    dispatch_mode character varying(16),
    joint boolean NOT NULL,
    max_claimants integer NOT NULL,
    assignee_member_id uuid,
    assignee_unit_id uuid,
    placed_at timestamp with time zone NOT NULL,
    dispatched_at timestamp with time zone,
    response_due_at timestamp with time zone,
    completion_due_at timestamp with time zone,
    responded_at timestamp with time zone,
    claim_start_due_at timestamp with time zone,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    result character varying(2000),
    result_evidence text[] NOT NULL,
    closed_at timestamp with time zone,
    satisfaction character varying(24),
    resolved boolean,
    rated_at timestamp with time zone,
    reopen_count integer NOT NULL,
    cancelled_at timestamp with time zone,
    duplicate_of uuid,
    response_warn_at timestamp with time zone,
    completion_warn_at timestamp with time zone,
    response_reminded_at timestamp with time zone,
    completion_reminded_at timestamp with time zone,
    response_overdue_at timestamp with time zone,
    completion_overdue_at timestamp with time zone,
    escalation_level character varying(16) NOT NULL,
    version integer NOT NULL,
    CONSTRAINT pk_requests PRIMARY KEY (id)
);
CREATE TABLE supervision_timers (
    id bigint GENERATED ALWAYS AS IDENTITY,
    county_id uuid NOT NULL,
    subject_id uuid NOT NULL,
    kind character varying(32) NOT NULL,
    due_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_supervision_timers PRIMARY KEY (id)
);
CREATE TABLE escalations (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    request_id uuid NOT NULL,
    level character varying(16) NOT NULL,
    area_id uuid,
    reason character varying(24) NOT NULL,
    note character varying(500),
    opened_at timestamp with time zone NOT NULL,
    respond_by timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    acknowledged_at timestamp with time zone,
    acknowledged_by character varying(50),
    response character varying(1000),
    closed_at timestamp with time zone,
    CONSTRAINT pk_escalations PRIMARY KEY (id),
    CONSTRAINT fk_escalations_requests_request_id FOREIGN KEY (request_id) REFERENCES requests (id) ON DELETE CASCADE
);
CREATE TABLE request_claimants (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    request_id uuid NOT NULL,
    member_id uuid NOT NULL,
    unit_id uuid,
    claimed_at timestamp with time zone NOT NULL,
    released_at timestamp with time zone,
    release_reason character varying(16),
    CONSTRAINT pk_request_claimants PRIMARY KEY (id),
    CONSTRAINT fk_request_claimants_requests_request_id FOREIGN KEY (request_id) REFERENCES requests (id) ON DELETE CASCADE
);
CREATE TABLE request_extensions (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    request_id uuid NOT NULL,
    requested_at timestamp with time zone NOT NULL,
    requested_by_member_id uuid,
    reason character varying(500) NOT NULL,
    current_due_at timestamp with time zone NOT NULL,
    proposed_due_at timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    decided_at timestamp with time zone,
    decision_note character varying(500),
    CONSTRAINT pk_request_extensions PRIMARY KEY (id),
    CONSTRAINT fk_request_extensions_requests_request_id FOREIGN KEY (request_id) REFERENCES requests (id) ON DELETE CASCADE
);
CREATE TABLE request_history (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    request_id uuid NOT NULL,
    sequence integer NOT NULL,
    at timestamp with time zone NOT NULL,
    action character varying(32) NOT NULL,
    from_status character varying(16),
    to_status character varying(16) NOT NULL,
    actor_role character varying(32) NOT NULL,
    actor_id character varying(64),
    actor_name character varying(50),
    channel character varying(16) NOT NULL,
    note character varying(2000),
    evidence text[] NOT NULL,
    CONSTRAINT pk_request_history PRIMARY KEY (id),
    CONSTRAINT fk_request_history_requests_request_id FOREIGN KEY (request_id) REFERENCES requests (id) ON DELETE CASCADE
);
CREATE TABLE whistles (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    request_id uuid,
    level character varying(16) NOT NULL,
    area_id uuid NOT NULL,
    unit_id uuid NOT NULL,
    matter character varying(1000) NOT NULL,
    blown_by character varying(50),
    blown_at timestamp with time zone NOT NULL,
    acknowledge_by timestamp with time zone NOT NULL,
    report_by timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    acknowledged_at timestamp with time zone,
    acknowledged_by character varying(50),
    reported_at timestamp with time zone,
    report character varying(2000),
    report_evidence text[] NOT NULL,
    acknowledge_overdue_at timestamp with time zone,
    report_overdue_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_whistles PRIMARY KEY (id),
    CONSTRAINT fk_whistles_requests_request_id FOREIGN KEY (request_id) REFERENCES requests (id) ON DELETE RESTRICT
);
CREATE INDEX ix_escalations_county_id ON escalations (county_id);
CREATE INDEX ix_escalations_request_id_opened_at ON escalations (request_id, opened_at);
CREATE INDEX ix_escalations_status_level ON escalations (status, level);
CREATE INDEX ix_request_categories_county_id ON request_categories (county_id);
CREATE INDEX ix_request_claimants_county_id ON request_claimants (county_id);
CREATE INDEX ix_request_claimants_member_id ON request_claimants (member_id);
CREATE UNIQUE INDEX ux_request_claimants_open ON request_claimants (request_id, member_id) WHERE released_at IS NULL;
CREATE INDEX ix_request_extensions_county_id ON request_extensions (county_id);
CREATE UNIQUE INDEX ux_request_extensions_pending ON request_extensions (request_id) WHERE status = 'pending';
CREATE INDEX ix_request_history_county_id ON request_history (county_id);
CREATE UNIQUE INDEX ix_request_history_request_id_sequence ON request_history (request_id, sequence);
CREATE INDEX ix_requests_assignee_member_id ON requests (assignee_member_id);
CREATE INDEX ix_requests_assignee_unit_id ON requests (assignee_unit_id);
CREATE INDEX ix_requests_community_id_status ON requests (community_id, status);
CREATE INDEX ix_requests_county_id ON requests (county_id);
CREATE INDEX ix_requests_status_placed_at ON requests (status, placed_at);
CREATE INDEX ix_supervision_timers_due_at ON supervision_timers (due_at);
CREATE INDEX ix_supervision_timers_subject_id ON supervision_timers (subject_id);
CREATE INDEX ix_whistles_area_id ON whistles (area_id);
CREATE INDEX ix_whistles_county_id ON whistles (county_id);
CREATE INDEX ix_whistles_request_id ON whistles (request_id);
CREATE INDEX ix_whistles_unit_id_status ON whistles (unit_id, status);

SELECT platform_enable_tenant_isolation('requests');
SELECT platform_enable_tenant_isolation('request_claimants');
SELECT platform_enable_tenant_isolation('request_history');
SELECT platform_enable_tenant_isolation('request_extensions');
SELECT platform_enable_tenant_isolation('request_categories');
SELECT platform_enable_tenant_isolation('escalations');
SELECT platform_enable_tenant_isolation('whistles');
