"""The database: SQLAlchemy 2 models, engine and sessions, Alembic migrations, and one
module per aggregate holding its rules. Data functions only flush; callers own transactions."""
