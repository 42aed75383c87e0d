-- Evaluation: the service record ledger (service_records: one line per member or unit and event;
-- request_events: the request events the rates are computed from), the stored points tallies, closed
-- periods with their frozen figures, star-rating rules, officers' ratings, publications (双亮) and the
-- three-stage assessments. See docs/evaluation/README.md.

CREATE TABLE service_records (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    subject_kind character varying(8) NOT NULL,
    subject_id uuid NOT NULL,
    kind character varying(40) NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    month character varying(7) NOT NULL,
    late boolean NOT NULL,
    unit_id uuid,
    community_id uuid,
    grid_id uuid,
    request_id uuid,
    activity_id uuid,
    source_event character varying(40) NOT NULL,
    source_key character varying(120) NOT NULL,
    source_message_id uuid,
    rule_code character varying(50),
    settings_version integer,
    points numeric(12,2) NOT NULL,
    cap numeric(12,2),
    service_minutes integer NOT NULL,
    detail character varying(200),
    corrects_id uuid,
    recorded_by character varying(100),
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_service_records PRIMARY KEY (id)
);
CREATE TABLE points_tallies (
    county_id uuid NOT NULL,
    member_id uuid NOT NULL,
    month character varying(7) NOT NULL,
    rule_code character varying(50) NOT NULL,
    settings_version integer NOT NULL,
    points numeric(12,2) NOT NULL,
    cap numeric(12,2),
    capped numeric(12,2) NOT NULL,
    entries integer NOT NULL,
    CONSTRAINT pk_points_tallies PRIMARY KEY (county_id, member_id, month, rule_code, settings_version)
);
CREATE TABLE request_events (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    county_id uuid NOT NULL,
    request_id uuid NOT NULL,
    version integer NOT NULL,
    event_type character varying(16) NOT NULL,
    source_key character varying(120) NOT NULL,
    source_message_id uuid,
    occurred_at timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    tier character varying(16),
    category character varying(50) NOT NULL,
    is_micro_wish boolean NOT NULL,
    community_id uuid NOT NULL,
    street_id uuid,
    grid_id uuid,
    unit_id uuid,
    member_ids uuid[] NOT NULL,
    placed_at timestamp with time zone NOT NULL,
    response_due_at timestamp with time zone,
    responded_at timestamp with time zone,
    completion_due_at timestamp with time zone,
    completed_at timestamp with time zone,
    reopen_count integer NOT NULL,
    satisfaction character varying(24),
    resolved boolean,
    on_time boolean,
    detail character varying(200),
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_request_events PRIMARY KEY (seq)
);
CREATE TABLE closed_periods (
    county_id uuid NOT NULL,
    period character varying(8) NOT NULL,
    kind character varying(8) NOT NULL,
    closed_at timestamp with time zone NOT NULL,
    closed_by character varying(100) NOT NULL,
    request_seq bigint NOT NULL,
    figures jsonb NOT NULL,
    CONSTRAINT pk_closed_periods PRIMARY KEY (county_id, period)
);
CREATE TABLE star_schemes (
    county_id uuid NOT NULL,
    version integer NOT NULL,
    effective_from timestamp with time zone NOT NULL,
    rules jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_star_schemes PRIMARY KEY (county_id, version)
);
CREATE TABLE officer_ratings (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    period character varying(8) NOT NULL,
    subject_kind character varying(8) NOT NULL,
    subject_id uuid NOT NULL,
    level character varying(12) NOT NULL,
    grade character varying(30) NOT NULL,
    comment character varying(500),
    officer_name character varying(100) NOT NULL,
    entered_at timestamp with time zone NOT NULL,
    superseded_at timestamp with time zone,
    supersedes_id uuid,
    CONSTRAINT pk_officer_ratings PRIMARY KEY (id)
);
CREATE TABLE publications (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    period character varying(8) NOT NULL,
    title character varying(200) NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_publications PRIMARY KEY (id)
);
CREATE TABLE publication_items (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    publication_id uuid NOT NULL,
    subject_kind character varying(8) NOT NULL,
    subject_id uuid NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    points numeric(12,2) NOT NULL,
    requests_completed integer NOT NULL,
    attendances integer NOT NULL,
    service_minutes integer NOT NULL,
    satisfied_ratings integer NOT NULL,
    officer_ratings character varying(300),
    CONSTRAINT pk_publication_items PRIMARY KEY (id),
    CONSTRAINT fk_publication_items_publications_publication_id FOREIGN KEY (publication_id) REFERENCES publications (id) ON DELETE CASCADE
);
CREATE TABLE assessments (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    period character varying(8) NOT NULL,
    subject_kind character varying(8) NOT NULL,
    subject_id uuid NOT NULL,
    subject_name character varying(100) NOT NULL,
    status character varying(20) NOT NULL,
    initial_grade character varying(30),
    review_grade character varying(30),
    final_grade character varying(30),
    evidence jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    published_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_assessments PRIMARY KEY (id)
);
CREATE TABLE assessment_steps (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    assessment_id uuid NOT NULL,
    sequence integer NOT NULL,
    action character varying(12) NOT NULL,
    from_status character varying(20) NOT NULL,
    to_status character varying(20) NOT NULL,
    grade character varying(30),
    reason character varying(500),
    officer_name character varying(100) NOT NULL,
    officer_level character varying(12) NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT pk_assessment_steps PRIMARY KEY (id),
    CONSTRAINT fk_assessment_steps_assessments_assessment_id FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE CASCADE
);
CREATE INDEX ix_assessment_steps_county_id ON assessment_steps (county_id);
CREATE UNIQUE INDEX ux_assessment_steps_sequence ON assessment_steps (assessment_id, sequence);
CREATE INDEX ix_assessments_county_id ON assessments (county_id);
CREATE UNIQUE INDEX ux_assessments_subject ON assessments (county_id, period, subject_kind, subject_id);
CREATE INDEX ix_closed_periods_county_id ON closed_periods (county_id);
CREATE INDEX ix_officer_ratings_county_id ON officer_ratings (county_id);
CREATE UNIQUE INDEX ux_officer_ratings_current ON officer_ratings (county_id, period, subject_kind, subject_id, level) WHERE superseded_at IS NULL;
CREATE INDEX ix_points_tallies_county_id ON points_tallies (county_id);
CREATE INDEX ix_points_tallies_month ON points_tallies (county_id, month);
CREATE INDEX ix_publication_items_county_id ON publication_items (county_id);
CREATE INDEX ix_publication_items_publication ON publication_items (publication_id, subject_kind, code);
CREATE INDEX ix_publications_county_id ON publications (county_id);
CREATE INDEX ix_request_events_county_id ON request_events (county_id);
CREATE INDEX ix_request_events_placed_at ON request_events (county_id, placed_at);
CREATE UNIQUE INDEX ux_request_events_source ON request_events (source_key);
CREATE INDEX ix_service_records_county_id ON service_records (county_id);
CREATE INDEX ix_service_records_month ON service_records (county_id, month);
CREATE INDEX ix_service_records_occurred_at ON service_records (county_id, occurred_at);
CREATE INDEX ix_service_records_subject ON service_records (subject_id, occurred_at);
CREATE UNIQUE INDEX ux_service_records_source ON service_records (source_key, subject_kind, subject_id, kind);
CREATE INDEX ix_star_schemes_county_id ON star_schemes (county_id);

SELECT platform_enable_tenant_isolation('service_records');
SELECT platform_enable_tenant_isolation('points_tallies');
SELECT platform_enable_tenant_isolation('request_events');
SELECT platform_enable_tenant_isolation('closed_periods');
SELECT platform_enable_tenant_isolation('star_schemes');
SELECT platform_enable_tenant_isolation('officer_ratings');
SELECT platform_enable_tenant_isolation('publications');
SELECT platform_enable_tenant_isolation('publication_items');
SELECT platform_enable_tenant_isolation('assessments');
SELECT platform_enable_tenant_isolation('assessment_steps');
