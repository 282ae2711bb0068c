-- The grams of a name, computed in one pass (a loop is about twice as fast as the set-based
-- form for names of a few dozen characters; bulk imports compute it for every row). Same
-- grams as before: every character and every pair of neighbouring characters, lower case,
-- without white space, each once.
CREATE OR REPLACE FUNCTION customers.name_grams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  n text := lower(regexp_replace(name, '\s+', '', 'g'));
  l int := length(n);
  out text[] := '{}';
  g text;
BEGIN
  FOR i IN 1..l LOOP
    g := substr(n, i, 1);
    IF NOT g = ANY(out) THEN out := out || g; END IF;
    IF i < l THEN
      g := substr(n, i, 2);
      IF NOT g = ANY(out) THEN out := out || g; END IF;
    END IF;
  END LOOP;
  RETURN out;
END
$$;
