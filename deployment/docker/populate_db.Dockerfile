# The populate-db image `ssp seed` builds (build context: deployment/, see [seed] in `ssp config`).
# A small, self-contained example seed: SQL applied with psql, reading the DB_* environment the Job
# provides. To run the Support Sphere Python seeder instead, see "Seeding" in the README.
FROM postgres:16-alpine
COPY seed/ /seed/
ENTRYPOINT ["/bin/sh", "/seed/seed.sh"]
