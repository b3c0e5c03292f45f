-- A hospital's nursing rota: wards, nurses and their mentors, shifts, and who works them.
-- Written by hand for the import tests (SQL Server's dialect; no server runs here: it parses back).

CREATE TABLE ward (
  id BIGINT IDENTITY(1, 1) NOT NULL,
  name NVARCHAR(80) NOT NULL,
  floor SMALLINT NOT NULL,
  CONSTRAINT pk_ward PRIMARY KEY (id),
  CONSTRAINT ward_name_uq UNIQUE (name),
  CONSTRAINT ck_ward_floor CHECK (floor BETWEEN 0 AND 20)
);
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'A ward of the hospital', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'ward';
GO
CREATE TABLE nurse (
  id BIGINT IDENTITY(1, 1) NOT NULL,
  full_name NVARCHAR(200) NOT NULL,
  grade NVARCHAR(6) NOT NULL,
  ward_id BIGINT NOT NULL,
  mentor_id BIGINT,
  notes NVARCHAR(MAX),
  on_call BIT DEFAULT 0 NOT NULL,
  CONSTRAINT pk_nurse PRIMARY KEY (id),
  CONSTRAINT fk_nurse_ward FOREIGN KEY (ward_id) REFERENCES ward (id),
  CONSTRAINT nurse_mentor_fk FOREIGN KEY (mentor_id) REFERENCES nurse (id),
  CONSTRAINT ck_nurse_grade_enum CHECK (grade IN ('junior', 'senior', 'lead'))
);
GO
CREATE TABLE shift (
  ward_id BIGINT NOT NULL,
  starts_at DATETIME2(6) NOT NULL,
  ends_at DATETIME2(6) NOT NULL,
  CONSTRAINT pk_shift PRIMARY KEY (ward_id, starts_at),
  CONSTRAINT fk_shift_ward FOREIGN KEY (ward_id) REFERENCES ward (id) ON DELETE CASCADE,
  CONSTRAINT shift_ends_after_start CHECK (ends_at > starts_at)
);
GO
-- Many nurses work many shifts.
CREATE TABLE assignment (
  nurse_id BIGINT NOT NULL,
  shift_ward_id BIGINT NOT NULL,
  shift_starts_at DATETIME2(6) NOT NULL,
  confirmed BIT DEFAULT 0 NOT NULL,
  CONSTRAINT pk_assignment PRIMARY KEY (nurse_id, shift_ward_id, shift_starts_at),
  CONSTRAINT fk_assignment_nurse FOREIGN KEY (nurse_id) REFERENCES nurse (id),
  CONSTRAINT fk_assignment_shift FOREIGN KEY (shift_ward_id, shift_starts_at) REFERENCES shift (ward_id, starts_at)
);
GO
CREATE INDEX assignment_open_ix ON assignment (shift_ward_id, shift_starts_at) INCLUDE (nurse_id) WHERE confirmed = 0;
GO
CREATE INDEX ix_nurse_ward ON nurse (ward_id);
GO
IF NOT EXISTS (SELECT 1 FROM sys.fulltext_catalogs WHERE name = 'schemaforge_search') CREATE FULLTEXT CATALOG schemaforge_search AS DEFAULT;
GO
CREATE FULLTEXT INDEX ON nurse (notes LANGUAGE 1033) KEY INDEX pk_nurse;
GO
CREATE VIEW nurses_on_call AS SELECT n.id, n.full_name, n.ward_id FROM nurse AS n WHERE n.on_call = 1;
GO
CREATE TRIGGER nurse_audit ON nurse AFTER UPDATE AS BEGIN SET NOCOUNT ON; END;
GO
