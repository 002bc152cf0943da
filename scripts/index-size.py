#!/usr/bin/env python3
"""The user search index's size on disk, per user: one markdown table row.

    scripts/index-size.py STORE USERS DATABASE_URL

SQLite: the pages of each search table and index (the `dbstat` table of Python's
SQLite). PostgreSQL: `pg_total_relation_size` (heap, indexes, TOAST) through psql.
"""
import subprocess
import sys
from urllib.parse import urlparse

TABLES = ("user_search_prefixes", "user_search_terms")


def sqlite_sizes(path):
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sizes = {}
    for table in TABLES:
        names = [table] + [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                (table,),
            )
        ]
        marks = ",".join("?" * len(names))
        (size,) = db.execute(
            f"SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ({marks})", names
        ).fetchone()
        (rows,) = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        sizes[table] = (size, rows)
    (users,) = db.execute("SELECT COUNT(*) FROM users").fetchone()
    return users, sizes


def postgres_sizes(url):
    def psql(sql):
        out = subprocess.run(
            ["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True
        ).stdout
        return int(out.strip())

    sizes = {
        t: (psql(f"SELECT pg_total_relation_size('{t}')"), psql(f"SELECT COUNT(*) FROM {t}"))
        for t in TABLES
    }
    return psql("SELECT COUNT(*) FROM users"), sizes


def main():
    store, _, url = sys.argv[1:4]
    if store == "sqlite":
        users, sizes = sqlite_sizes(urlparse(url).path)
    else:
        users, sizes = postgres_sizes(url)
    cells = []
    total = 0
    for t in TABLES:
        size, rows = sizes[t]
        total += size
        cells.append(f"{size / users:,.0f} B ({rows / users:.1f} rows)")
    print(f"| {store} | {users} | {' | '.join(cells)} | {total / users / 1000:.2f} kB |")


if __name__ == "__main__":
    main()
