/* print_ddl: prints llm_spans DDL pieces expanded from ingest/columns.h, so test servers get
 * exactly the columns the encoder writes.
 *   print_ddl legacy DB.TABLE      CREATE TABLE for ClickHouse 18.16 (same RowBinary bytes)
 *   print_ddl modern DB.TABLE      CREATE TABLE with the modern types (plain MergeTree)
 *   print_ddl columns              the INSERT column list
 *   print_ddl structure legacy|modern   "name Type, …" */
#include <stdio.h>
#include <string.h>

#include "spangen.h"

int main(int argc, char **argv) {
    static char cols[8192], st[8192];
    if (argc == 2 && !strcmp(argv[1], "columns")) {
        puts(spangen_list(spangen_columns_raw, cols, sizeof cols));
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "structure")) {
        int legacy = !strcmp(argv[2], "legacy");
        puts(spangen_list(legacy ? spangen_legacy_raw : spangen_modern_raw, st, sizeof st));
        return 0;
    }
    if (argc == 3 && (!strcmp(argv[1], "legacy") || !strcmp(argv[1], "modern"))) {
        int legacy = !strcmp(argv[1], "legacy");
        spangen_list(legacy ? spangen_legacy_raw : spangen_modern_raw, st, sizeof st);
        printf("CREATE TABLE IF NOT EXISTS %s (%s) ENGINE = MergeTree() ORDER BY (tenant_id, timestamp)%s\n",
               argv[2], st, legacy ? "" : " SETTINGS non_replicated_deduplication_window = 1000");
        return 0;
    }
    fprintf(stderr, "usage: print_ddl legacy|modern DB.TABLE | columns | structure legacy|modern\n");
    return 2;
}
