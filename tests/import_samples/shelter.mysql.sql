-- An animal shelter: kennels, animals and their litters, adopters and adoptions, the vets' visits.
-- Written by hand for the import tests (MySQL's dialect, run on MariaDB).

CREATE TABLE kennel (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  code CHAR(4) NOT NULL,
  size ENUM('small', 'medium', 'large') NOT NULL DEFAULT 'medium',
  heated TINYINT(1) NOT NULL DEFAULT 0,
  CONSTRAINT PRIMARY KEY (id),
  CONSTRAINT kennel_code_uq UNIQUE (code),
  CONSTRAINT ck_kennel_heated_bool CHECK (heated IN (0, 1))
) COMMENT = 'A place an animal sleeps';

CREATE TABLE animal (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(60) NOT NULL,
  species ENUM('dog', 'cat', 'rabbit', 'other') NOT NULL,
  born_on DATE NULL,
  weight_kg DECIMAL(6, 2) NOT NULL,
  kennel_id INT UNSIGNED NULL,
  mother_id BIGINT NULL COMMENT 'When she came in with the animal',
  arrived_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  CONSTRAINT PRIMARY KEY (id),
  CONSTRAINT animal_kennel_fk FOREIGN KEY (kennel_id) REFERENCES kennel (id) ON DELETE SET NULL,
  CONSTRAINT fk_animal_mother FOREIGN KEY (mother_id) REFERENCES animal (id) ON DELETE SET NULL,
  CONSTRAINT ck_animal_weight_kg CHECK (weight_kg > 0)
);
CREATE INDEX animal_species_born_ix ON animal (species, born_on);
CREATE FULLTEXT INDEX ft_animal ON animal (name);

CREATE TABLE adopter (
  id BIGINT NOT NULL AUTO_INCREMENT,
  full_name VARCHAR(200) NOT NULL,
  email VARCHAR(320) NOT NULL,
  CONSTRAINT PRIMARY KEY (id),
  CONSTRAINT uq_adopter_email UNIQUE (email)
);

-- Many adopters take many animals, each adoption on a day.
CREATE TABLE adoption (
  animal_id BIGINT NOT NULL,
  adopter_id BIGINT NOT NULL,
  adopted_on DATE NOT NULL,
  fee DECIMAL(8, 2) NOT NULL DEFAULT 0.00,
  CONSTRAINT PRIMARY KEY (animal_id, adopter_id, adopted_on),
  CONSTRAINT fk_adoption_animal FOREIGN KEY (animal_id) REFERENCES animal (id) ON DELETE CASCADE,
  CONSTRAINT fk_adoption_adopter FOREIGN KEY (adopter_id) REFERENCES adopter (id),
  CONSTRAINT adoption_fee_ck CHECK (fee >= 0)
);
CREATE INDEX ix_adoption_adopter ON adoption (adopter_id);

CREATE VIEW animals_waiting AS
  SELECT a.id, a.name, a.species FROM animal a
  WHERE NOT EXISTS (SELECT 1 FROM adoption d WHERE d.animal_id = a.id);
