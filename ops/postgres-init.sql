-- Metadata databases of the production stack.
create database dagster;
create database superset;
