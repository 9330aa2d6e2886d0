// The floor SQLite sets for `strata import`: the store's messages table and indexes, filled from C
// with one prepared INSERT per row and 50,000 rows per transaction, as the importer's writer does,
// with nothing else (no decoding, no identity links). Driven by sqlite_floor.py.
//
// Usage: sqlite_floor ROWS.tsv SCHEMA.sql DATABASE PAGE_SIZE MEMSTATUS(0|1)
// ROWS.tsv holds one message per line: messageId, userId, anonymousId, groupId, payload JSON, tab
// separated (empty for none). Prints the process CPU seconds and wall seconds of the inserts.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { FIELDS = 5, PER_TRANSACTION = 50000 };

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void bind_text_or_null(sqlite3_stmt *statement, int column, const char *text) {
    if (*text) sqlite3_bind_text(statement, column, text, -1, SQLITE_STATIC);
    else sqlite3_bind_null(statement, column);
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc(size + 1);
    if (fread(text, 1, size, file) != (size_t)size) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
    text[size] = 0;
    fclose(file);
    return text;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: sqlite_floor ROWS.tsv SCHEMA.sql DATABASE PAGE_SIZE MEMSTATUS\n"); return 2; }
    if (!atoi(argv[5])) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // Rows: the file is split in place into fields.
    char *rows = read_file(argv[1]);
    size_t capacity = 1 << 20, count = 0;
    char *(*fields)[FIELDS] = malloc(sizeof *fields * capacity);
    for (char *line = rows; *line;) {
        char *end = strchr(line, '\n');
        if (end) *end = 0;
        if (count == capacity) fields = realloc(fields, sizeof *fields * (capacity *= 2));
        char *field = line;
        for (int k = 0; k < FIELDS; k++) {
            fields[count][k] = field;
            char *tab = field ? strchr(field, '\t') : NULL;
            if (tab) { *tab = 0; field = tab + 1; } else { field = line + strlen(line); }
        }
        count++;
        if (!end) break;
        line = end + 1;
    }
    sqlite3 *db;
    if (sqlite3_open_v2(argv[3], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)) {
        fprintf(stderr, "cannot open %s\n", argv[3]);
        return 1;
    }
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA page_size=%d", atoi(argv[4]));
    char *error = NULL;
    if (sqlite3_exec(db, pragma, NULL, NULL, &error)
        || sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000;",
                        NULL, NULL, &error)
        || sqlite3_exec(db, read_file(argv[2]), NULL, NULL, &error)) {
        fprintf(stderr, "%s\n", error);
        return 1;
    }
    sqlite3_stmt *insert;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO messages (message_id, kind, user_id, anonymous_id, event_id, timestamp, "
                           "received_at, sent_at, group_id, previous_id, payload, extra, content_hash) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING",
                           -1, &insert, NULL)) {
        fprintf(stderr, "%s\n", sqlite3_errmsg(db));
        return 1;
    }
    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID), wall = seconds(CLOCK_MONOTONIC);
    for (size_t i = 0; i < count; i++) {
        if (i % PER_TRANSACTION == 0) sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(insert, 1, fields[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 2, 1);
        bind_text_or_null(insert, 3, fields[i][1]);
        bind_text_or_null(insert, 4, fields[i][2]);
        sqlite3_bind_int64(insert, 5, 3);
        sqlite3_bind_int64(insert, 6, 1700000000000LL + (long long)i);
        sqlite3_bind_int64(insert, 7, 1700000000000LL);
        sqlite3_bind_null(insert, 8);
        bind_text_or_null(insert, 9, fields[i][3]);
        sqlite3_bind_null(insert, 10);
        sqlite3_bind_text(insert, 11, fields[i][4], -1, SQLITE_STATIC);
        sqlite3_bind_null(insert, 12);
        sqlite3_bind_int64(insert, 13, (long long)i * 7919);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            fprintf(stderr, "row %zu: %s\n", i + 1, sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(insert);
        if (i % PER_TRANSACTION == PER_TRANSACTION - 1 || i == count - 1) sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    printf("{\"rows\": %zu, \"cpu_seconds\": %.2f, \"wall_seconds\": %.2f}\n", count,
           seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu, seconds(CLOCK_MONOTONIC) - wall);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return 0;
}
