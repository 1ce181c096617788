-- Certificate records and the append-only audit log.

CREATE TABLE health_certificates (
    id                       uuid PRIMARY KEY,
    user_id                  uuid NOT NULL,
    company_id               uuid,
    required_for_role        uuid,
    certificate_number       text UNIQUE,
    certificate_type         text NOT NULL CHECK (certificate_type IN (
        'general_health', 'occupational_health', 'food_handler', 'healthcare_worker',
        'childcare_worker', 'fitness_to_work', 'driving_medical', 'aviation_medical')),
    status                   text NOT NULL DEFAULT 'pending' CHECK (status IN (
        'pending', 'active', 'expiring_soon', 'expired', 'suspended', 'revoked')),
    issue_date               date,
    expiry_date              date,
    exam_date                date,
    -- exam result and restrictions, AES-256-GCM sealed ({"key_id", "data"})
    medical                  jsonb,
    issuing_authority        text NOT NULL,
    certificate_document_url text,
    created_by               uuid NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    issued_at                timestamptz,
    CONSTRAINT health_certificates_issued_fields CHECK (
        status = 'pending'
        OR (certificate_number IS NOT NULL AND issue_date IS NOT NULL
            AND expiry_date IS NOT NULL AND issued_at IS NOT NULL)),
    CONSTRAINT health_certificates_dates CHECK (expiry_date IS NULL OR expiry_date > issue_date)
);

CREATE INDEX health_certificates_user_idx ON health_certificates (user_id, created_at);
CREATE INDEX health_certificates_company_idx ON health_certificates (company_id)
    WHERE company_id IS NOT NULL;
CREATE INDEX health_certificates_expiry_idx ON health_certificates (status, expiry_date);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    uuid NOT NULL,
    before       jsonb,
    after        jsonb,
    -- workflow id or request id that carried the change
    correlation  text
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, occurred_at);

-- The audit trail is append-only: rows can be added, never changed, and removed only once past
-- their 7-year retention.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval '7 years' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
